/**
 * The `pipedrive` step's config: its JSON Schema (what `etl validate` checks, with defaults applied), the one place that
 * states each field, its type and its default. The TypeScript types are derived from it.
 */
import type { ConfigFromSchema, ConfigInputFromSchema, ConfigSchema } from '@etl/core';

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'email'],
  anyOf: [{ required: ['apiToken'] }, { required: ['oauthToken'] }],
  properties: {
    baseUrl: {
      type: 'string',
      format: 'uri',
      default: 'https://api.pipedrive.com',
      description:
        'API origin (PIPEDRIVE_BASE_URL): https://api.pipedrive.com or https://<company>.pipedrive.com; the sandbox URL offline. /api/v2/… is added.',
    },
    allowInsecureHttp: {
      type: 'boolean',
      default: false,
      description:
        'Allow an http:// baseUrl to a host other than this machine (the token crosses the network in clear).',
    },
    apiToken: {
      type: 'string',
      minLength: 1,
      secret: true,
      description: 'API token (PIPEDRIVE_API_TOKEN), sent as x-api-token. Give this or oauthToken.',
    },
    oauthToken: {
      type: 'string',
      minLength: 1,
      secret: true,
      description:
        'OAuth access token with contacts:full (and admin or contact-fields:full for ensureFields), sent as Bearer.',
    },
    name: { type: 'string', minLength: 1, description: "Template of the person's name.", examples: ['{{ name }}'] },
    email: {
      type: 'string',
      minLength: 1,
      description: "Template of the person's email, the upsert key (compared lowercased).",
      examples: ['{{ email }}'],
    },
    customFields: {
      type: 'object',
      default: {},
      additionalProperties: { type: 'string' },
      description: 'Custom field name → template of its value; enum/set values are option labels.',
      examples: [{ 'Baby name sex': '{{ sex }}' }],
    },
    ensureFields: {
      type: 'array',
      default: [],
      description: 'Custom person fields created before the first write when missing; missing options are added.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'type'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 255, description: 'Field name as shown in Pipedrive.' },
          type: { enum: ['varchar', 'text', 'double', 'date', 'enum', 'set'], description: 'Field type.' },
          options: {
            type: 'array',
            items: { type: 'string', minLength: 1 },
            description: 'Option labels (enum and set fields).',
          },
        },
      },
    },
    limit: {
      type: ['integer', 'null'],
      minimum: 0,
      default: null,
      description: 'Only the first N records of a run are synced (the demo uses 50); null for all.',
    },
    fullRefresh: { type: 'boolean', default: false, description: 'Ignore the ledger and compare every record again.' },
    plan: {
      enum: ['essential', 'advanced', 'professional', 'power', 'enterprise'],
      default: 'essential',
      description: 'The company plan: sets the burst limit (api token 20/40/80/100/120 per 2 s, OAuth 4 times that).',
    },
    rateMax: { type: 'integer', minimum: 1, description: "Requests per 2 s instead of the plan's." },
    concurrency: { type: 'integer', minimum: 1, maximum: 50, default: 4, description: 'Requests in flight at once.' },
    timeoutMs: { type: 'integer', minimum: 100, default: 30_000, description: 'Timeout of one HTTP request, ms.' },
  },
} as const satisfies ConfigSchema;

/** The config the hooks get: fields with a default are always present. */
export type PipedriveConfig = ConfigFromSchema<typeof configSchema>;

/** The config as a pipeline writes it: fields with a default may be left out. */
export type PipedriveConfigInput = ConfigInputFromSchema<typeof configSchema>;

/** Pipedrive plans: they set the burst limit (requests per 2 s per token). */
export type PipedrivePlan = PipedriveConfig['plan'];

/** A custom person field to create when missing (by name), or to complete with missing options. */
export type FieldDefinition = PipedriveConfig['ensureFields'][number];

/** Field types this sink can create (a subset of POST /personFields' `field_type`). */
export type FieldType = FieldDefinition['type'];

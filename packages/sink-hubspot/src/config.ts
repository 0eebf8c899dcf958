/**
 * The `hubspot` step's config: its JSON Schema (what `etl validate` checks, with defaults applied), the one place that
 * states each field, its type and its default. The TypeScript types are derived from it.
 */
import type { ConfigFromSchema, ConfigInputFromSchema, ConfigSchema } from '@etl/core';

const durationSchema = {
  description: 'Milliseconds, or a string like "10s", "500ms", "1m".',
  anyOf: [
    { type: 'integer', minimum: 1 },
    { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*(ms|s|m|h)$' },
  ],
} as const satisfies ConfigSchema;

const propertyDefinitionSchema = {
  type: 'object',
  description: 'A PropertyCreate body of the HubSpot Properties API.',
  required: ['name', 'label', 'type', 'fieldType'],
  properties: {
    name: {
      type: 'string',
      pattern: '^[a-z][a-z0-9_]*$',
      description: 'Internal property name (lowercase, digits, _).',
    },
    label: { type: 'string', minLength: 1, description: 'Label shown in HubSpot.' },
    groupName: { type: 'string', default: 'contactinformation', description: 'Property group.' },
    type: {
      enum: ['bool', 'date', 'datetime', 'enumeration', 'number', 'phone_number', 'string'],
      description: 'Data type.',
    },
    fieldType: {
      enum: [
        'booleancheckbox',
        'calculation_equation',
        'checkbox',
        'date',
        'file',
        'html',
        'number',
        'phonenumber',
        'radio',
        'select',
        'text',
        'textarea',
      ],
      description: 'How the property shows in forms.',
    },
    description: { type: 'string', description: 'Description shown in HubSpot.' },
    options: {
      type: 'array',
      description: 'Required for enumerations.',
      items: {
        type: 'object',
        required: ['label', 'value'],
        properties: {
          label: { type: 'string', description: 'How HubSpot shows the option.' },
          value: { type: 'string', description: 'The internal value records carry (what templates must render).' },
          hidden: { type: 'boolean', default: false, description: 'Hide the option in forms.' },
          displayOrder: { type: 'integer', description: 'Position in the list (defaults to the order given).' },
          description: { type: 'string', description: 'Description of the option.' },
        },
      },
    },
    hasUniqueValue: { type: 'boolean', description: 'Values must be unique (cannot be changed later).' },
    formField: { type: 'boolean', description: 'Show the property in forms.' },
  },
} as const satisfies ConfigSchema;

/** JSON Schema of the step's `config`. */
export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['accessToken', 'properties'],
  properties: {
    baseUrl: {
      type: 'string',
      format: 'uri',
      default: 'https://api.hubapi.com',
      description:
        'HubSpot API root (HUBSPOT_BASE_URL); the sandbox URL in tests and offline demos. https://, or http:// to localhost only.',
    },
    allowInsecureHttp: {
      type: 'boolean',
      default: false,
      description:
        'Allow an http:// baseUrl to another host (the token then crosses the network in clear); warns on every run.',
    },
    accessToken: {
      type: 'string',
      minLength: 1,
      secret: true,
      description:
        'Private-app access token (HUBSPOT_ACCESS_TOKEN) with crm.objects.contacts.read/write and, for ensureProperties, crm.schemas.contacts.write.',
    },
    object: { enum: ['contacts'], default: 'contacts', description: 'CRM object written.' },
    idProperty: {
      type: 'string',
      default: 'email',
      description:
        'Unique property identifying a contact across runs: the batch/upsert key. `email` or a custom unique property.',
    },
    properties: {
      type: 'object',
      minProperties: 1,
      additionalProperties: { type: 'string' },
      description: 'HubSpot property → template, e.g. `firstname: "{{ name }}"`. Must map idProperty.',
      examples: [{ email: '{{ email }}', firstname: '{{ name }}' }],
    },
    ensureProperties: {
      type: 'array',
      default: [],
      items: propertyDefinitionSchema,
      description: 'Custom properties to create when missing, before the first contact is written.',
    },
    limit: {
      type: ['integer', 'null'],
      minimum: 0,
      default: null,
      description: 'Only the first N records of a run are synced (the demo uses 50); null for all.',
    },
    fullRefresh: {
      type: 'boolean',
      default: false,
      description: 'Ignore the ledger of what was sent before and resend every record.',
    },
    tier: {
      enum: ['free', 'starter', 'professional', 'enterprise', 'api-addon'],
      default: 'free',
      description:
        'Account tier: free/starter 100 requests per 10 s, professional/enterprise 190, api-addon 250; sets the daily budget too.',
    },
    rate: {
      type: 'object',
      additionalProperties: false,
      required: ['max', 'per'],
      description: 'Explicit request rate instead of the tier preset, e.g. { max: 100, per: 10s }.',
      properties: { max: { type: 'integer', minimum: 1, description: 'Requests per window.' }, per: durationSchema },
    },
    dailyLimit: { type: ['integer', 'null'], minimum: 1, description: 'Requests per day instead of the tier preset.' },
    concurrency: { type: 'integer', minimum: 1, maximum: 50, default: 4, description: 'Requests in flight at once.' },
    inputsPerRequest: {
      type: 'integer',
      minimum: 1,
      maximum: 100,
      default: 100,
      description: 'Contacts per batch/upsert request (at most 100).',
    },
    timeoutMs: { type: 'integer', minimum: 100, default: 30_000, description: 'Timeout of one HTTP request, ms.' },
    retries: {
      type: 'integer',
      minimum: 0,
      maximum: 10,
      deprecated: true,
      description:
        "Ignored, kept so older pipelines stay valid: a failed write is retried by the runtime under the step's `retry:` settings.",
    },
  },
} as const satisfies ConfigSchema;

/** The step's config as hooks get it: every field with a `default` is present. */
export type HubspotConfig = ConfigFromSchema<typeof configSchema>;

/** The step's config as written (in YAML, or by a test): fields with a `default` may be left out. */
export type HubspotConfigInput = ConfigInputFromSchema<typeof configSchema>;

/** HubSpot's rate-limit tiers for privately distributed apps (per 10 s per app, per day per account). */
export type HubspotTier = HubspotConfig['tier'];

/** A `PropertyCreate` body of the Properties API (`POST /crm/v3/properties/{object}`). */
export type PropertyDefinition = HubspotConfig['ensureProperties'][number];

/**
 * The `hubspot` step's config: its JSON Schema (what `etl validate` checks, with defaults applied) and the matching
 * TypeScript type. Keep the two in step: every field here has a `description` and, where it has one, a `default`.
 */
import { ConfigError, type JsonSchema } from '@etl/core';

/** HubSpot's rate-limit tiers for privately distributed apps (per 10 s per app, per day per account). */
export type HubspotTier = 'free' | 'starter' | 'professional' | 'enterprise' | 'api-addon';

/** A `PropertyCreate` body of the Properties API (`POST /crm/v3/properties/{object}`). */
export interface PropertyDefinition {
  /** Internal name, e.g. `babyname_sex`. */
  name: string;
  label: string;
  /** @default contactinformation */
  groupName?: string;
  type: 'bool' | 'date' | 'datetime' | 'enumeration' | 'number' | 'phone_number' | 'string';
  fieldType: string;
  description?: string;
  /** Required for enumerations: the values records may carry (`value`) and how HubSpot shows them (`label`). */
  options?: Array<{ label: string; value: string; hidden?: boolean; displayOrder?: number; description?: string }>;
  hasUniqueValue?: boolean;
  formField?: boolean;
  [extra: string]: unknown;
}

export interface HubspotConfig {
  /** API root. @default https://api.hubapi.com */
  baseUrl: string;
  /** Allow a plain `http://` baseUrl to a host other than this machine; prints a warning every run. @default false */
  allowInsecureHttp?: boolean;
  /** Private-app access token (Bearer). Secret. */
  accessToken: string;
  /** CRM object written. @default contacts */
  object: 'contacts';
  /** Unique property that identifies a contact across runs (the upsert key). @default email */
  idProperty: string;
  /** HubSpot property → template rendering its value from a record. Must include `idProperty`. */
  properties: Record<string, string>;
  /** Custom properties created (through the Properties API) before the first write when missing. @default [] */
  ensureProperties: PropertyDefinition[];
  /** Records a run considers (the first N); the rest are skipped. `null` for no cap. @default null */
  limit: number | null;
  /** Ignore the ledger and send every record again. @default false */
  fullRefresh: boolean;
  /** Rate-limit tier of the HubSpot account (sets the request rate and daily budget). @default free */
  tier: HubspotTier;
  /** Explicit request rate, overriding the tier's. */
  rate?: { max: number; per: number | string };
  /** Requests per day, overriding the tier's. */
  dailyLimit?: number | null;
  /** Requests in flight at once (when this step has no shared `limiter:`). @default 4 */
  concurrency: number;
  /** Inputs per batch/upsert request (HubSpot allows at most 100). @default 100 */
  inputsPerRequest: number;
  /** Per-request timeout, ms. @default 30000 */
  timeoutMs: number;
  /** Deprecated and ignored: the runtime retries a failed write under the step's `retry:` settings. */
  retries?: number;
}

const durationSchema = {
  description: 'Milliseconds, or a string like "10s", "500ms", "1m".',
  anyOf: [
    { type: 'integer', minimum: 1 },
    { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*(ms|s|m|h)$' },
  ],
};

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
};

/** JSON Schema of the step's `config`. */
export const configSchema: JsonSchema = {
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
};

/** The schema defaults, for callers (tests, the benchmark) that do not go through core's validation. */
export function withDefaults(
  config: Partial<HubspotConfig> & Pick<HubspotConfig, 'accessToken' | 'properties'>,
): HubspotConfig {
  return {
    baseUrl: 'https://api.hubapi.com',
    object: 'contacts',
    idProperty: 'email',
    ensureProperties: [],
    limit: null,
    fullRefresh: false,
    tier: 'free',
    concurrency: 4,
    inputsPerRequest: 100,
    timeoutMs: 30_000,
    ...config,
  };
}

/** Parses a duration (number of ms, or "10s", "500ms", "1m", "1h") into milliseconds. */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(value.trim());
  if (!match) {
    throw new ConfigError(`"${value}" is not a duration`, [], {
      code: 'HUBSPOT_BAD_DURATION',
      suggestions: ['Write the rate window as milliseconds or like "10s", "500ms", "1m".'],
    });
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * unit);
}

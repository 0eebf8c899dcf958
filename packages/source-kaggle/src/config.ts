/**
 * The `kaggle` step's config: its JSON Schema (checked by the runtime, shown by `etl plugins`) is the one place that
 * states each field, its type and its default; the TypeScript types are derived from it.
 */
import {
  applyConfigDefaults,
  ConfigError,
  type ConfigFromSchema,
  type ConfigInputFromSchema,
  type ConfigSchema,
} from '@etl/core';

/** The baby-names columns: `YearOfBirth,Name,Sex,Number` (the schema's default of `columns`). */
export const defaultColumns = {
  YearOfBirth: { field: 'year', type: 'integer', min: 1800, max: 2100 },
  Name: { field: 'name', type: 'string', trim: true, minLength: 1, maxLength: 64 },
  Sex: { field: 'sex', type: 'string', enum: ['F', 'M'] },
  Number: { field: 'count', type: 'integer', min: 1 },
} satisfies Record<string, ColumnSpecInput>;

const columnSchema = {
  type: 'object',
  description: 'How one CSV column becomes one typed record field.',
  required: ['field', 'type'],
  additionalProperties: false,
  properties: {
    field: { type: 'string', minLength: 1, description: 'Name of the field in the record.' },
    type: {
      enum: ['integer', 'number', 'string'],
      description: '`integer`/`number` parse the text; `string` keeps it.',
    },
    min: { type: 'number', description: 'Smallest allowed value (numbers).' },
    max: { type: 'number', description: 'Largest allowed value (numbers).' },
    trim: { type: 'boolean', default: false, description: 'Strip surrounding white space before checking (strings).' },
    minLength: { type: 'integer', minimum: 0, description: 'Fewest characters, after trimming (strings).' },
    maxLength: { type: 'integer', minimum: 1, description: 'Most characters, after trimming (strings).' },
    enum: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'The only values allowed (strings).' },
    optional: { type: 'boolean', default: false, description: 'An empty cell becomes null instead of a reject.' },
    allowQuotes: {
      type: 'boolean',
      default: false,
      description:
        'Accept double quotes inside the value (strings); otherwise a stray quote rejects the row as malformed.',
    },
  },
} as const satisfies ConfigSchema;

export const configSchema = {
  type: 'object',
  description:
    'Downloads a Kaggle dataset (API token or browser login, cached by version) and streams one CSV as typed records.',
  required: ['dataset', 'file'],
  additionalProperties: false,
  properties: {
    dataset: {
      type: 'string',
      pattern: '^[^/\\s]+/[^/\\s]+$',
      description: 'The dataset as `owner/slug`, e.g. `thedevastator/us-baby-names-by-year-of-birth`.',
      examples: ['thedevastator/us-baby-names-by-year-of-birth'],
    },
    file: {
      type: 'string',
      minLength: 1,
      description: 'The CSV to read, by name, e.g. `babyNamesUSYOB-full.csv`.',
      examples: ['babyNamesUSYOB-full.csv'],
    },
    mode: {
      enum: ['auto', 'api', 'browser', 'file'],
      default: 'auto',
      description:
        'auto: the API when a token is found, else the browser login when email and password are; file: read `path`.',
    },
    path: { type: 'string', description: '`mode: file`: a local zip or CSV to read instead of downloading.' },
    baseUrl: {
      type: 'string',
      format: 'uri',
      default: 'https://www.kaggle.com',
      description:
        "Kaggle's address (KAGGLE_BASE_URL points it at the sandbox). https://, or http:// to localhost only.",
    },
    allowInsecureHttp: {
      type: 'boolean',
      default: false,
      description:
        'Allow an http:// baseUrl to another host (credentials then cross the network in clear); warns on every run.',
    },
    // Far above real datasets (the full baby-names CSV is about 50 MB), far below what a zip bomb (a few KB
    // inflating to terabytes) would write through the pipeline.
    maxEntryBytes: {
      type: 'integer',
      minimum: 1,
      default: 8 * 1024 ** 3,
      description:
        'Largest inflated size of the CSV inside the zip, in bytes (default 8 GiB); a bigger entry stops the run (zip bombs).',
    },
    email: { type: 'string', description: 'Browser login: email or user name. Default: KAGGLE_EMAIL.' },
    password: { type: 'string', secret: true, description: 'Browser login password. Default: KAGGLE_PASSWORD.' },
    username: {
      type: 'string',
      description: 'API user name (legacy key). Default: KAGGLE_USERNAME or ~/.kaggle/kaggle.json.',
    },
    key: { type: 'string', secret: true, description: 'API legacy key. Default: KAGGLE_KEY or ~/.kaggle/kaggle.json.' },
    token: {
      type: 'string',
      secret: true,
      description: 'API token (KGAT_…), sent as Bearer. Default: KAGGLE_API_TOKEN.',
    },
    browser: {
      type: 'object',
      default: {},
      additionalProperties: false,
      description: 'The Chromium that logs in and downloads in browser mode.',
      properties: {
        executablePath: { type: 'string', default: '/usr/bin/chromium', description: 'Chromium to drive.' },
        headed: { type: 'boolean', default: false, description: 'Show the window (to watch or debug a login).' },
        timeoutMs: {
          type: 'integer',
          minimum: 1000,
          default: 30_000,
          description: 'How long one page load or one login step may take, ms.',
        },
      },
    },
    refresh: {
      type: 'boolean',
      default: false,
      description: 'Download again even when the cached archive is current.',
    },
    columns: {
      type: 'object',
      additionalProperties: columnSchema,
      minProperties: 1,
      default: defaultColumns,
      description: 'CSV header name → typed field. Default: YearOfBirth→year, Name→name, Sex→sex, Number→count.',
    },
    expectHeader: {
      type: 'array',
      items: { type: 'string' },
      minItems: 1,
      description: 'The exact header the CSV must have. Default: the keys of `columns`, in order.',
    },
    batchSize: {
      type: 'integer',
      minimum: 1,
      description: "Records per batch (the unit of checkpoints). Default: the pipeline's `settings.batchSize` (5000).",
    },
  },
} as const satisfies ConfigSchema;

/** The step's config as hooks get it: every field with a `default` is present. */
export type KaggleConfig = ConfigFromSchema<typeof configSchema>;

/** The step's config as written (in YAML, or by a test): fields with a `default` may be left out. */
export type KaggleConfigInput = ConfigInputFromSchema<typeof configSchema>;

/** How to get the file: `auto` picks the API when a token is found, else the browser login. */
export type KaggleMode = KaggleConfig['mode'];

/** How one CSV column becomes one typed field of the record (defaults applied). */
export type ColumnSpec = ConfigFromSchema<typeof columnSchema>;
type ColumnSpecInput = ConfigInputFromSchema<typeof columnSchema>;

/** The Chromium that logs in and downloads in browser mode. */
export type BrowserOptions = KaggleConfig['browser'];

/**
 * For callers outside the runtime (tests, scripts): the schema's defaults applied, then `normalizeConfig`'s checks.
 * Hooks get the defaults from the runtime and call `normalizeConfig` only.
 */
export const resolveConfig = (input: KaggleConfigInput): KaggleConfig =>
  normalizeConfig(applyConfigDefaults(configSchema, input));

/** Checks what the schema cannot (a path in file mode) and drops the base URL's trailing slashes. */
export function normalizeConfig(config: KaggleConfig): KaggleConfig {
  const normalized = { ...config, baseUrl: config.baseUrl.replace(/\/+$/, '') };
  if (!/^[^/\s]+\/[^/\s]+$/.test(normalized.dataset)) {
    throw new ConfigError(`kaggle: dataset "${normalized.dataset}" is not of the form owner/slug.`, [], {
      code: 'KAGGLE_BAD_DATASET',
      suggestions: [
        'Write the dataset as it appears in its URL, e.g. `dataset: thedevastator/us-baby-names-by-year-of-birth`.',
      ],
    });
  }
  if (normalized.mode === 'file' && !normalized.path) {
    throw new ConfigError('kaggle: `mode: file` needs `path`, the local zip or CSV to read.', [], {
      code: 'KAGGLE_NO_PATH',
      suggestions: ['Add `path: ./data/us-baby-names.zip` to the step config, or use another mode.'],
    });
  }
  return normalized;
}

/**
 * The `kaggle` step's config: its JSON Schema (checked by the runtime, shown by `etl plugins`) and the matching type.
 * `resolveConfig` applies the same defaults again so the plugin also works when called directly (tests, scripts).
 */
import { ConfigError, type JsonSchema } from '@etl/core';

/** How one CSV column becomes one typed field of the record. */
export interface ColumnSpec {
  /** Name of the field in the record. */
  field: string;
  /** `integer` and `number` parse the text; `string` keeps it. */
  type: 'integer' | 'number' | 'string';
  /** Smallest allowed value (numbers). */
  min?: number;
  /** Largest allowed value (numbers). */
  max?: number;
  /** Strip leading and trailing white space before checking (strings). @default false */
  trim?: boolean;
  /** Fewest characters (strings, after trimming). */
  minLength?: number;
  /** Most characters (strings, after trimming). */
  maxLength?: number;
  /** The only values allowed (strings). */
  enum?: string[];
  /** An empty cell becomes `null` instead of a reject. @default false */
  optional?: boolean;
  /** Accept double quotes inside the value; otherwise a stray quote marks the row as malformed. @default false */
  allowQuotes?: boolean;
}

export type KaggleMode = 'auto' | 'api' | 'browser' | 'file';

export interface BrowserOptions {
  /** Chromium to drive. @default /usr/bin/chromium */
  executablePath: string;
  /** Show the browser window (for debugging a login). @default false */
  headed: boolean;
  /** How long one page load or one step of the login may take, ms. @default 30000 */
  timeoutMs: number;
}

export interface KaggleConfig {
  /** `owner/slug` of the dataset. */
  dataset: string;
  /** The CSV to read, by name (inside the archive, or the bare file). */
  file: string;
  /** How to get the file. @default auto */
  mode: KaggleMode;
  /** `mode: file`: a local zip or CSV. */
  path?: string;
  /** Kaggle's address; the sandbox's for tests. @default https://www.kaggle.com */
  baseUrl: string;
  /** Allow a plain `http://` baseUrl to a host other than this machine; prints a warning every run. @default false */
  allowInsecureHttp?: boolean;
  /** Largest inflated size of the CSV inside the zip, in bytes (zip bombs). @default 8 GiB */
  maxEntryBytes?: number;
  /** Browser login: email or user name (else `KAGGLE_EMAIL`). */
  email?: string;
  /** Browser login password (else `KAGGLE_PASSWORD`). */
  password?: string;
  /** API: user name of a legacy key (else `KAGGLE_USERNAME` or `~/.kaggle/kaggle.json`). */
  username?: string;
  /** API: legacy key (else `KAGGLE_KEY`). */
  key?: string;
  /** API: a `KGAT_…` token, sent as Bearer (else `KAGGLE_API_TOKEN`). */
  token?: string;
  browser: BrowserOptions;
  /** Download again even when the cached archive is current. @default false */
  refresh: boolean;
  /** CSV header name → typed field. @default the baby-names columns */
  columns: Record<string, ColumnSpec>;
  /** The exact header the file must start with. @default the keys of `columns`, in order */
  expectHeader?: string[];
  /** Records per batch (the unit of checkpointing). @default the pipeline's `settings.batchSize` (`ctx.batchSize`) */
  batchSize?: number;
}

/** The baby-names columns: `YearOfBirth,Name,Sex,Number`. */
export const defaultColumns: Record<string, ColumnSpec> = {
  YearOfBirth: { field: 'year', type: 'integer', min: 1800, max: 2100 },
  Name: { field: 'name', type: 'string', trim: true, minLength: 1, maxLength: 64 },
  Sex: { field: 'sex', type: 'string', enum: ['F', 'M'] },
  Number: { field: 'count', type: 'integer', min: 1 },
};

export const defaultBrowser: BrowserOptions = { executablePath: '/usr/bin/chromium', headed: false, timeoutMs: 30_000 };

const columnSchema: JsonSchema = {
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
};

export const configSchema: JsonSchema = {
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
        executablePath: { type: 'string', default: defaultBrowser.executablePath, description: 'Chromium to drive.' },
        headed: { type: 'boolean', default: false, description: 'Show the window (to watch or debug a login).' },
        timeoutMs: {
          type: 'integer',
          minimum: 1000,
          default: defaultBrowser.timeoutMs,
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
};

/** Fills defaults and checks what the schema cannot (a path in file mode). */
export function resolveConfig(input: Partial<KaggleConfig> & Pick<KaggleConfig, 'dataset' | 'file'>): KaggleConfig {
  const config: KaggleConfig = {
    mode: 'auto',
    baseUrl: 'https://www.kaggle.com',
    refresh: false,
    columns: defaultColumns,
    ...input,
    browser: { ...defaultBrowser, ...input.browser },
  };
  config.baseUrl = config.baseUrl.replace(/\/+$/, '');
  if (!/^[^/\s]+\/[^/\s]+$/.test(config.dataset)) {
    throw new ConfigError(`kaggle: dataset "${config.dataset}" is not of the form owner/slug.`, [], {
      code: 'KAGGLE_BAD_DATASET',
      suggestions: [
        'Write the dataset as it appears in its URL, e.g. `dataset: thedevastator/us-baby-names-by-year-of-birth`.',
      ],
    });
  }
  if (config.mode === 'file' && !config.path) {
    throw new ConfigError('kaggle: `mode: file` needs `path`, the local zip or CSV to read.', [], {
      code: 'KAGGLE_NO_PATH',
      suggestions: ['Add `path: ./data/us-baby-names.zip` to the step config, or use another mode.'],
    });
  }
  return config;
}

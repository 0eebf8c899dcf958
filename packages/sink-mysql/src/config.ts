import { ConfigError, type ConfigFromSchema, type ConfigInputFromSchema, type ConfigSchema } from '@etl/core';
import { IDENTIFIER_PATTERN, isIdentifier } from './identifiers.js';
import { resolveTls, sslSchema, type SslOption, type TlsSettings } from './tls.js';

/** The table the plugin's own migrations create, and how the baby-names records map onto it. */
export const BABY_NAMES_TABLE = 'baby_names';
export const BABY_NAMES_COLUMNS: Record<string, string> = {
  year: 'year_of_birth',
  name: 'name',
  sex: 'sex',
  count: 'count',
};
export const BABY_NAMES_KEY = ['year_of_birth', 'name', 'sex'];

const identifier = { type: 'string', pattern: IDENTIFIER_PATTERN } as const;

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    url: {
      type: 'string',
      description: 'Connection URL mysql://user:password@host:port/database (usually ${env:MYSQL_URL}).',
      default: 'mysql://root@127.0.0.1:3306/etl',
      secret: true,
    },
    host: { type: 'string', description: "Database host; overrides the URL's host." },
    port: { type: 'integer', minimum: 1, maximum: 65535, description: "Database port; overrides the URL's port." },
    user: { type: 'string', description: "User name; overrides the URL's user." },
    password: { type: 'string', description: "Password; overrides the URL's password.", secret: true },
    database: { ...identifier, description: "Database (schema) name; overrides the URL's database." },
    ssl: sslSchema,
    createDatabase: { type: 'boolean', default: true, description: 'Create the database when it does not exist.' },
    table: { ...identifier, default: BABY_NAMES_TABLE, description: 'Table the records are written to.' },
    columns: {
      type: 'object',
      additionalProperties: identifier,
      minProperties: 1,
      description: 'Record field → column name. Defaults to {year: year_of_birth, name, sex, count} for baby_names.',
    },
    key: {
      type: 'array',
      items: identifier,
      minItems: 1,
      description: "Columns of the unique key that identifies a row. Defaults to the table's first unique index.",
    },
    mode: {
      enum: ['upsert', 'insert-ignore', 'replace-all'],
      default: 'upsert',
      description:
        'upsert: insert new rows, update changed ones; insert-ignore: keep existing rows as they are; ' +
        'replace-all: load into a shadow table and swap it in when the run succeeds.',
    },
    migrations: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Schema migrations (TypeORM, recorded in the etl_migrations table).',
      properties: {
        auto: { type: 'boolean', default: true, description: 'Run pending migrations before the first write.' },
        dir: {
          type: 'string',
          description: 'Folder of compiled TypeORM migration files (.js/.mjs) for your own tables.',
        },
      },
    },
    batchSize: { type: 'integer', minimum: 1, default: 10000, description: 'Rows per write transaction.' },
    method: {
      enum: ['load-data', 'insert'],
      default: 'load-data',
      description: 'load-data: LOAD DATA LOCAL INFILE from memory (fastest); insert: multi-row INSERT statements.',
    },
  },
} as const satisfies ConfigSchema;

/**
 * The `config:` of a `use: mysql` step as hooks get it: every field with a `default` is present. `ssl` keeps its
 * input type: ajv applies no defaults inside `oneOf`, so its `verify` may be missing (resolveTls reads it so).
 */
export type MysqlSinkConfig = Omit<ConfigFromSchema<typeof configSchema>, 'ssl'> & { ssl?: SslOption };

/** The step's config as written (in YAML, or by a test): fields with a `default` may be left out. */
export type MysqlSinkConfigInput = ConfigInputFromSchema<typeof configSchema>;

/** How rows meet rows already in the table. */
export type WriteMode = MysqlSinkConfig['mode'];

/** How rows travel to the server. */
export type LoadMethod = MysqlSinkConfig['method'];

/** Where to connect, with the password kept apart so it is never part of anything printed. */
export interface ConnectionTarget {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  /** TLS settings; undefined for a plain connection. */
  tls?: TlsSettings;
}

/** Connection settings from `url` overridden by the separate fields. Throws a ConfigError on a malformed URL. */
export function resolveTarget(config: MysqlSinkConfig): ConnectionTarget {
  let parsed: URL;
  try {
    parsed = new URL(config.url);
  } catch {
    // The URL may hold a password: never echo it back.
    throw new ConfigError(
      "The mysql step's `url` is not a valid URL (its value is not shown because it may contain a password).",
      [],
      {
        code: 'MYSQL_URL_INVALID',
        suggestions: [
          'Write it as mysql://user:password@host:3306/database, URL-encoding special characters in the password.',
        ],
      },
    );
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw new ConfigError(`The mysql step's \`url\` must start with mysql:// (got ${parsed.protocol}//).`, [], {
      code: 'MYSQL_URL_INVALID',
    });
  }
  const database = config.database ?? decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) {
    throw new ConfigError('The mysql step names no database.', [], {
      code: 'MYSQL_NO_DATABASE',
      suggestions: ['Add it to the URL (mysql://root@127.0.0.1:3306/etl) or set `database:`.'],
    });
  }
  // The URL's database skips the schema's identifier pattern; without this check a quote in it reached SQL.
  if (!isIdentifier(database)) {
    throw new ConfigError(`The mysql step's database name ${JSON.stringify(database)} is not a valid identifier.`, [], {
      code: 'MYSQL_DATABASE_INVALID',
      suggestions: [
        'Use letters, digits, _ and $ only, starting with a letter or _, at most 64 characters (as for table names).',
      ],
    });
  }
  const urlPassword = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  return {
    host: config.host ?? (parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1'),
    port: config.port ?? (parsed.port ? Number(parsed.port) : 3306),
    user: config.user ?? (parsed.username ? decodeURIComponent(parsed.username) : 'root'),
    password: config.password ?? urlPassword,
    database,
    ...withTls(resolveTls(config.ssl, parsed)),
  };
}

const withTls = (tls: TlsSettings | undefined) => (tls ? { tls } : {});

/** `host:port/database`: how the target is named in messages (never with the user's password). */
export const describeTarget = (t: ConnectionTarget): string => `${t.host}:${t.port}/${t.database}`;

/** The table's column mapping: explicit, or the built-in one for baby_names. */
export function resolveColumns(config: MysqlSinkConfig): Record<string, string> {
  const table = config.table;
  if (config.columns) return config.columns;
  if (table === BABY_NAMES_TABLE) return BABY_NAMES_COLUMNS;
  throw new ConfigError(`The mysql step writes to table \`${table}\` but has no \`columns\` mapping.`, [], {
    code: 'MYSQL_NO_COLUMNS',
    suggestions: [`Map record fields to columns, e.g. columns: { id: ${table}_id, title: title }.`],
  });
}

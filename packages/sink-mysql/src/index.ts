import { ConfigError, defineSink } from '@etl/core';
import { configSchema, resolveTarget, type MysqlSinkConfig } from './config.js';
import { mysqlDestination } from './destination.js';
import type { MysqlSinkSession } from './session.js';

// TypeORM and mysql2 load with the first hook that talks to MySQL: `etl validate` only needs the config schema.
const sessions = () => import('./session.js');

export {
  configSchema,
  resolveTarget,
  describeTarget,
  BABY_NAMES_COLUMNS,
  BABY_NAMES_KEY,
  BABY_NAMES_TABLE,
} from './config.js';
export type { MysqlSinkConfig, MysqlSinkConfigInput, WriteMode, LoadMethod, ConnectionTarget } from './config.js';
export { MIGRATIONS_TABLE, CHECKPOINT_TABLE, tableLockName, shadowName } from './names.js';
export { toEtlError } from './errors.js';
export { mysqlDestination } from './destination.js';

/**
 * The `mysql` sink: writes records into a MySQL/MariaDB table whose schema TypeORM migrations own, through
 * LOAD DATA LOCAL INFILE (or multi-row INSERT), committing each batch with its checkpoint in one transaction. A load
 * holds a MySQL advisory lock on its database + table from setup to close, so two runs never load one table at once.
 */
export function mysqlSink() {
  let session: MysqlSinkSession | undefined;
  const open = () => {
    if (!session) throw new Error('mysql sink: setup() must run before this hook');
    return session;
  };
  return defineSink<MysqlSinkConfig>({
    name: 'mysql',
    description:
      'Loads records into a MySQL/MariaDB table (upsert, insert-ignore or replace-all), exactly once per batch.',
    configSchema,
    batchSize: (config) => config.batchSize,
    check: async (ctx, config) => (await import('./check.js')).checkMysql(ctx, config),
    // `etl validate` sees a bad database name in the URL (the schema checks only the separate `database:` field).
    checkConfig(config) {
      try {
        resolveTarget(config);
      } catch (error) {
        if (error instanceof ConfigError && error.code === 'MYSQL_DATABASE_INVALID')
          return [{ path: config.database === undefined ? 'url' : 'database', message: error.message }];
      }
      return [];
    },
    destination: (_ctx, config) => mysqlDestination(config),
    async setup(ctx, config) {
      session = await (await sessions()).MysqlSinkSession.open(ctx, config);
    },
    restore: async () => open().restore(),
    write: async (_ctx, _config, batch) => open().write(batch),
    async close(_ctx, _config, outcome) {
      const current = session;
      session = undefined;
      await current?.close(outcome);
    },
    migrate: async (ctx, config, action) => (await sessions()).MysqlSinkSession.migrate(ctx, config, action),
  });
}

export default mysqlSink;

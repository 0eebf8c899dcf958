import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import mysql from 'mysql2';
import mysqlPromise, { type Connection } from 'mysql2/promise';
import { DataSource, MigrationExecutor, type MigrationInterface } from 'typeorm';
import { ConfigError, type MigrationReport } from '@etl/core';
import type { ConnectionTarget, MysqlSinkConfig } from './config.js';
import { toEtlError } from './errors.js';
import { quoteId } from './identifiers.js';
import { withSsl } from './tls.js';
import { builtinMigrations } from './migrations/index.js';

/** TypeORM's migrations table, named so it cannot collide with an application's own `migrations` table. */
import { MIGRATIONS_TABLE } from './names.js';

export { MIGRATIONS_TABLE } from './names.js';

type MigrationClass = new () => MigrationInterface;

/** mysql2 options shared by TypeORM's pool and the plain connections used before the database exists. */
export function driverOptions(target: ConnectionTarget) {
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    // Without FOUND_ROWS, ON DUPLICATE KEY UPDATE reports 0 affected rows for a row that was already identical.
    flags: ['-FOUND_ROWS'],
    connectTimeout: 10_000,
    ...withSsl(target),
  };
}

/** Creates the database when it is missing (if allowed), on a connection that names no database. */
export async function ensureDatabase(target: ConnectionTarget, create: boolean): Promise<void> {
  let conn: Connection | undefined;
  try {
    conn = await mysqlPromise.createConnection(driverOptions(target));
    const [rows] = await conn.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
      target.database,
    ]);
    if ((rows as unknown[]).length > 0) return;
    if (!create) throw Object.assign(new Error(`Unknown database '${target.database}'`), { code: 'ER_BAD_DB_ERROR' });
    await conn.query(
      `CREATE DATABASE IF NOT EXISTS ${quoteId(target.database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } catch (error) {
    throw toEtlError(error, target, 'creating the database');
  } finally {
    await conn?.end().catch(() => undefined);
  }
}

/** Imports every compiled migration class from a user's folder (files ending in .js, .mjs or .cjs). */
export async function loadUserMigrations(dir: string): Promise<MigrationClass[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => /\.(m|c)?js$/.test(f) && !f.endsWith('.d.ts')).sort();
  } catch {
    throw new ConfigError(`The mysql step's migrations.dir ${dir} cannot be read.`, [], {
      code: 'MYSQL_MIGRATIONS_DIR',
      suggestions: [
        'Point migrations.dir at a folder of compiled TypeORM migration files (.js), relative to the working folder.',
      ],
    });
  }
  const classes: MigrationClass[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.resolve(dir, file)).href)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      if (typeof value === 'function' && typeof (value.prototype as { up?: unknown })?.up === 'function')
        classes.push(value as MigrationClass);
    }
  }
  return classes;
}

/** A TypeORM DataSource on the mysql2 driver, with the plugin's migrations and the user's. Not yet initialized. */
export async function createDataSource(
  target: ConnectionTarget,
  config: MysqlSinkConfig,
  poolSize = 2,
): Promise<DataSource> {
  const userMigrations = config.migrations?.dir ? await loadUserMigrations(config.migrations.dir) : [];
  return new DataSource({
    type: 'mysql',
    driver: mysql,
    host: target.host,
    port: target.port,
    username: target.user,
    password: target.password,
    database: target.database,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    flags: ['-FOUND_ROWS'],
    connectTimeout: 10_000,
    ...withSsl(target),
    poolSize,
    migrations: [...builtinMigrations, ...userMigrations],
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    logging: false,
  });
}

/** Creates the database if allowed, then connects. Every failure is an EtlError naming host, port and database. */
export async function openDataSource(
  target: ConnectionTarget,
  config: MysqlSinkConfig,
  options: { createDatabase: boolean },
) {
  await ensureDatabase(target, options.createDatabase);
  const ds = await createDataSource(target, config);
  try {
    await ds.initialize();
  } catch (error) {
    throw toEtlError(error, target, 'connecting');
  }
  return ds;
}

/** Runs `up` (all pending), `down` (the last applied) or `status`, and says what was applied, pending and run. */
export async function runMigrations(ds: DataSource, action: 'up' | 'down' | 'status'): Promise<MigrationReport> {
  const executor = new MigrationExecutor(ds);
  // TypeORM lists executed migrations newest first; the report is oldest first.
  const applied = (await executor.getExecutedMigrations()).sort((a, b) => a.timestamp - b.timestamp).map((m) => m.name);
  const pending = (await executor.getPendingMigrations()).map((m) => m.name);
  let ran: string[] = [];
  if (action === 'up') {
    ran = (await ds.runMigrations({ transaction: 'each' })).map((m) => m.name);
  } else if (action === 'down' && applied.length > 0) {
    await ds.undoLastMigration({ transaction: 'each' });
    const after = new Set((await executor.getExecutedMigrations()).map((m) => m.name));
    ran = applied.filter((name) => !after.has(name));
  }
  return { applied, pending, ran };
}

// Kept here for the modules that import it from this file; the helper lives in identifiers.ts.
export { quoteId } from './identifiers.js';

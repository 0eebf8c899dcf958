/**
 * @etl/state-mysql: etl state shared by several machines. Checkpoints, sink ledgers, step state, the pipeline lock
 * and run history live in one MySQL/MariaDB database (`ETL_STATE_URL=mysql://user:password@host:3306/database`), so
 * a run that stops on one host resumes on another, and `etl runs` on any host lists the runs of all. The CLI loads it
 * when the URL's scheme is mysql: or mariadb:; the tables are created on first use.
 */
import type { SharedStateStore } from '@etl/core';
import mysql, { type ConnectionOptions } from 'mysql2/promise';
import { openMysqlBackend } from './backend.js';
import { takeLock } from './lock.js';
import { mysqlRunHistory } from './runs.js';
import { ensureTables } from './schema.js';

export { MAX_KEY_BYTES } from './schema.js';

/** The URL without its password (for messages and logs). */
export function safeStateUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '(unparsable ETL_STATE_URL)';
  }
}

/** Connection options from `mysql://user:password@host:port/database` (`mariadb:` too). */
function connectionOf(url: string): ConnectionOptions {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database) throw new Error(`ETL_STATE_URL ${safeStateUrl(url)} names no database (…/database at its end)`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database,
    supportBigNumbers: true,
  };
}

/** Connects (creating the database's tables, and the database itself when missing and allowed). */
export async function openMysqlStateStore(url: string): Promise<SharedStateStore> {
  const connect = connectionOf(url);
  const label = safeStateUrl(url);
  await createDatabaseIfMissing(connect);
  const pool = mysql.createPool({ ...connect, connectionLimit: 4 });
  try {
    await ensureTables(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    label,
    async openPipeline(pipeline, options) {
      const lock = options.lock ? await takeLock(pool, connect, pipeline, label) : undefined;
      try {
        return await openMysqlBackend(pool, { pipeline, readOnly: options.readOnly, label, lock, connect });
      } catch (error) {
        await lock?.release();
        throw error;
      }
    },
    runs: mysqlRunHistory(pool),
    close: () => pool.end(),
  };
}

async function createDatabaseIfMissing(connect: ConnectionOptions): Promise<void> {
  const { database, ...server } = connect;
  const connection = await mysql.createConnection(server);
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS ${connection.escapeId(String(database))} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    );
  } finally {
    await connection.end();
  }
}

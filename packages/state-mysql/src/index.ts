/**
 * @etl/state-mysql: etl state shared by several machines. Checkpoints, sink ledgers, step state, the pipeline lock
 * and run history live in one MySQL/MariaDB database (`ETL_STATE_URL=mysql://user:password@host:3306/database`), so
 * a run that stops on one host resumes on another, and `etl runs` on any host lists the runs of all. The CLI loads it
 * when the URL's scheme is mysql: or mariadb:; the tables are created on first use.
 */
import { FatalError, type SharedStateStore } from '@etl/core';
import mysql, { type ConnectionOptions } from 'mysql2/promise';
import { openMysqlBackend } from './backend.js';
import { takeLock } from './lock.js';
import { mysqlRunHistory } from './runs.js';
import { sharedSalt } from './salt.js';
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
  const pool = mysql.createPool({ ...connect, connectionLimit: 4 });
  try {
    await createDatabaseIfMissing(connect);
    await ensureTables(pool);
  } catch (error) {
    await pool.end();
    throw unreachable(label, error);
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
    salt: () => sharedSalt(pool),
    close: () => pool.end(),
  };
}

/** Best effort: a user without the right may still use a database made for it; creating the tables says what fails. */
async function createDatabaseIfMissing(connect: ConnectionOptions): Promise<void> {
  const { database, ...server } = connect;
  const connection = await mysql.createConnection(server).catch(() => undefined);
  if (!connection) return;
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS ${connection.escapeId(String(database))} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    );
  } catch {
    // not allowed: the database may exist all the same
  } finally {
    await connection.end();
  }
}

/** The store not answering (or refusing us) is the user's to fix before any run: say where, never the password. */
function unreachable(label: string, error: unknown): FatalError {
  const code = (error as { code?: string }).code;
  return new FatalError(`Cannot use the shared state store ${label}: ${(error as Error).message}`, {
    code: 'STATE_STORE_UNREACHABLE',
    cause: error,
    context: { store: label, ...(code ? { error: code } : {}) },
    suggestions: [
      'Start the database (scripts/setup.sh starts MariaDB on 127.0.0.1:3306), or fix ETL_STATE_URL (user, password, host, database); unset it for the embedded store.',
    ],
  });
}

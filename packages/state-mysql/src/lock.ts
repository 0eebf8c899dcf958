/**
 * One active run per pipeline across every host using the store: MySQL's named lock (`GET_LOCK`), held by a
 * connection of its own for the whole run. The server frees it when that connection ends, so a run that dies (even
 * `kill -9`, or its host) leaves no lock behind once the server notices the dropped connection. Who holds it is kept
 * beside it (`etl_lock_holders`, by connection id) only to say so when another run finds it busy.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { FatalError } from '@etl/core';
import type { Connection, ConnectionOptions, Pool, RowDataPacket } from 'mysql2/promise';
import mysql from 'mysql2/promise';

/** A ping now and then, so a run longer than the server's `wait_timeout` does not lose its lock to an idle timeout. */
const KEEPALIVE_MS = 60_000;

export interface DatabaseLock {
  /** True once the lock's connection broke: the lock may be someone else's now, so nothing more may be committed. */
  readonly lost: boolean;
  release(): Promise<void>;
}

/** Lock names are at most 64 characters: a hash of the database and pipeline keeps any pipeline name within that. */
const lockName = (database: string, pipeline: string): string =>
  `etl:${createHash('sha256').update(`${database}\u0000${pipeline}`).digest('hex').slice(0, 40)}`;

export async function takeLock(
  pool: Pool,
  connect: ConnectionOptions,
  pipeline: string,
  label: string,
): Promise<DatabaseLock> {
  const name = lockName(String(connect.database), pipeline);
  const connection: Connection = await mysql.createConnection(connect);
  let lost = false;
  connection.on('error', () => {
    lost = true;
  });
  try {
    const [rows] = await connection.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got, CONNECTION_ID() AS id', [
      name,
    ]);
    if (rows[0].got !== 1) throw await busyError(pool, name, pipeline, label);
    await pool.query(
      'REPLACE INTO etl_lock_holders (lock_name, pipeline, conn_id, host, pid, since) VALUES (?, ?, ?, ?, ?, ?)',
      [name, pipeline, rows[0].id, hostname(), process.pid, new Date().toISOString()],
    );
  } catch (error) {
    await connection.end().catch(() => undefined);
    throw error;
  }
  const keepalive = setInterval(() => {
    connection.query('SELECT 1').catch(() => {
      lost = true;
    });
  }, KEEPALIVE_MS);
  keepalive.unref();
  let released = false;
  return {
    get lost() {
      return lost;
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(keepalive);
      try {
        await connection.query('SELECT RELEASE_LOCK(?)', [name]);
        await connection.end();
      } catch {
        connection.destroy(); // a dropped connection has freed the lock already
      }
    },
  };
}

async function busyError(pool: Pool, name: string, pipeline: string, label: string): Promise<FatalError> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT h.host, h.pid FROM etl_lock_holders h WHERE h.lock_name = ? AND h.conn_id = IS_USED_LOCK(?)',
    [name, name],
  );
  const holder = rows[0] as { host: string; pid: number } | undefined;
  const who = holder ? `process ${holder.pid} on host ${holder.host}` : 'a process on another connection';
  return new FatalError(`Another run of this pipeline (${who}) holds the lock of "${pipeline}" in ${label}.`, {
    code: 'PIPELINE_LOCKED',
    context: { pipeline, ...(holder ? { pid: holder.pid, host: holder.host } : {}) },
    suggestions: [
      'Wait for that run to finish, or stop it: the database frees the lock as soon as its connection ends (also when the process or its host dies).',
    ],
  });
}

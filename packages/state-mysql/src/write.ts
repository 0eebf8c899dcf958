/** A commit of the shared store: one transaction with the state changes and the pipeline's checkpoint row. */
import type { JsonValue, StateChanges } from '@etl/core';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';

/** Rows per statement: well under `max_allowed_packet` for ledger entries, few round trips. */
const CHUNK = 1000;

export const chunks = <T>(items: T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
};
export const placeholders = (n: number, each = '?'): string => Array.from({ length: n }, () => each).join(', ');

/** Writes `changes` (clears, then puts, then deletes) and the checkpoint; all or nothing. `ids` learns new namespaces. */
export async function writeCommit(
  pool: Pool,
  pipeline: string,
  ids: Map<string, number>,
  changes: StateChanges,
  checkpoint: JsonValue,
  seq: number,
): Promise<void> {
  const connection = await pool.getConnection();
  const learned = new Map<string, number>();
  const idOf = async (namespace: string): Promise<number> => {
    const id = ids.get(namespace) ?? learned.get(namespace);
    if (id !== undefined) return id;
    const fresh = await namespaceId(connection, pipeline, namespace);
    learned.set(namespace, fresh);
    return fresh;
  };
  try {
    await connection.beginTransaction();
    await applyChanges(connection, changes, idOf);
    await connection.query(
      `INSERT INTO etl_pipelines (pipeline, checkpoint, seq) VALUES (?, ?, ?)
       ON DUPLICATE KEY UPDATE checkpoint = VALUES(checkpoint), seq = VALUES(seq)`,
      [pipeline, JSON.stringify(checkpoint), seq],
    );
    await connection.commit();
  } catch (error) {
    await connection.rollback().catch(() => undefined);
    throw error;
  } finally {
    connection.release();
  }
  // Only once committed: a namespace row inserted by a rolled-back transaction does not exist.
  for (const [name, id] of learned) ids.set(name, id);
}

async function namespaceId(connection: PoolConnection, pipeline: string, namespace: string): Promise<number> {
  await connection.query('INSERT IGNORE INTO etl_namespaces (pipeline, name) VALUES (?, ?)', [pipeline, namespace]);
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT id FROM etl_namespaces WHERE pipeline = ? AND name = ?',
    [pipeline, namespace],
  );
  return rows[0].id as number;
}

async function applyChanges(
  connection: PoolConnection,
  changes: StateChanges,
  idOf: (namespace: string) => Promise<number>,
): Promise<void> {
  for (const namespace of changes.cleared)
    await connection.query('DELETE FROM etl_state WHERE ns_id = ?', [await idOf(namespace)]);
  for (const [namespace, puts] of changes.puts) {
    if (puts.size === 0) continue;
    const id = await idOf(namespace);
    for (const part of chunks([...puts])) {
      const values: unknown[] = [];
      for (const [key, value] of part) values.push(id, Buffer.from(key), JSON.stringify(value));
      await connection.query(
        `INSERT INTO etl_state (ns_id, k, v) VALUES ${placeholders(part.length, '(?, ?, ?)')}
         ON DUPLICATE KEY UPDATE v = VALUES(v)`,
        values,
      );
    }
  }
  for (const [namespace, keys] of changes.deletes) {
    if (keys.size === 0) continue;
    const id = await idOf(namespace);
    for (const part of chunks([...keys]))
      await connection.query(`DELETE FROM etl_state WHERE ns_id = ? AND k IN (${placeholders(part.length)})`, [
        id,
        ...part.map((key) => Buffer.from(key)),
      ]);
  }
}

import type { PoolConnection } from 'mysql2';
import type { JsonValue } from '@etl/core';
import { rawQuery } from './connection.js';

import { CHECKPOINT_TABLE } from './names.js';

export { CHECKPOINT_TABLE } from './names.js';

/** Which row: the table is part of the key, so loads of two tables by one step never share a token. */
export interface CheckpointKey {
  pipeline: string;
  step: string;
  table: string;
}

export interface StoredCheckpoint {
  token: JsonValue;
  /** The shadow table a replace-all run was loading when it committed this token. */
  targetTable: string | null;
  /** Read from a row written before rows were keyed by table (`table_name` empty); the next write replaces it. */
  legacy: boolean;
}

/**
 * Reads the last token committed with the data for this pipeline, step and table. Falls back to the row of this
 * pipeline + step written before the table was part of the key, so an upgrade does not lose a load in progress (the
 * token's lineage tells the runtime whether it still applies).
 */
export async function readCheckpoint(conn: PoolConnection, key: CheckpointKey): Promise<StoredCheckpoint | undefined> {
  const rows = await rawQuery<Array<{ token: string; target_table: string | null; table_name: string }>>(
    conn,
    `SELECT token, target_table, table_name FROM ${CHECKPOINT_TABLE} WHERE pipeline = ? AND step = ? AND table_name IN (?, '')
     ORDER BY table_name = '' LIMIT 1`,
    [key.pipeline, key.step, key.table],
  );
  const row = rows[0];
  return row
    ? { token: JSON.parse(row.token) as JsonValue, targetTable: row.target_table, legacy: row.table_name === '' }
    : undefined;
}

/**
 * Stores a batch's token; call inside the batch's transaction so both commit or neither does. `replacesLegacy`
 * also deletes the pre-upgrade row this load resumed from.
 */
export async function writeCheckpoint(
  conn: PoolConnection,
  key: CheckpointKey,
  token: JsonValue,
  targetTable: string | null,
  replacesLegacy = false,
): Promise<void> {
  await rawQuery(
    conn,
    `INSERT INTO ${CHECKPOINT_TABLE} (pipeline, step, table_name, token, target_table) VALUES (?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE token = VALUES(token), target_table = VALUES(target_table)`,
    [key.pipeline, key.step, key.table, JSON.stringify(token), targetTable],
  );
  if (replacesLegacy)
    await rawQuery(conn, `DELETE FROM ${CHECKPOINT_TABLE} WHERE pipeline = ? AND step = ? AND table_name = ''`, [
      key.pipeline,
      key.step,
    ]);
}

/** Records that no shadow table is in progress any more (after a replace-all swap). */
export async function clearShadow(conn: PoolConnection, key: CheckpointKey): Promise<void> {
  await rawQuery(
    conn,
    `UPDATE ${CHECKPOINT_TABLE} SET target_table = NULL WHERE pipeline = ? AND step = ? AND table_name IN (?, '')`,
    [key.pipeline, key.step, key.table],
  );
}

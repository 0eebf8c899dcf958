import type { PoolConnection } from 'mysql2';
import type { JsonValue } from '@etl/core';
import { rawQuery } from './connection.js';

/** Owned by the `CreateEtlCheckpoints` migration: one row per pipeline + step. */
export const CHECKPOINT_TABLE = 'etl_checkpoints';

export interface StoredCheckpoint {
  token: JsonValue;
  /** The shadow table a replace-all run was loading when it committed this token. */
  targetTable: string | null;
}

/** Reads the last token committed with the data for this pipeline and step. */
export async function readCheckpoint(conn: PoolConnection, pipeline: string, step: string): Promise<StoredCheckpoint | undefined> {
  const rows = await rawQuery<Array<{ token: string; target_table: string | null }>>(
    conn,
    `SELECT token, target_table FROM ${CHECKPOINT_TABLE} WHERE pipeline = ? AND step = ?`,
    [pipeline, step],
  );
  const row = rows[0];
  return row ? { token: JSON.parse(row.token) as JsonValue, targetTable: row.target_table } : undefined;
}

/** Stores a batch's token; call inside the batch's transaction so both commit or neither does. */
export async function writeCheckpoint(conn: PoolConnection, pipeline: string, step: string, token: JsonValue, targetTable: string | null): Promise<void> {
  await rawQuery(
    conn,
    `INSERT INTO ${CHECKPOINT_TABLE} (pipeline, step, token, target_table) VALUES (?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE token = VALUES(token), target_table = VALUES(target_table)`,
    [pipeline, step, JSON.stringify(token), targetTable],
  );
}

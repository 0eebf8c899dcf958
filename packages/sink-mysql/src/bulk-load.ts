import { Readable } from 'node:stream';
import type { PoolConnection } from 'mysql2';
import type { LoadMethod } from './config.js';
import { rawQuery, type ResultHeader } from './connection.js';
import { quoteId } from './data-source.js';
import { isRowError, rowErrorReason } from './errors.js';

/** Where and how one batch of rows goes. */
export interface LoadPlan {
  /** The table written now (the shadow table during a replace-all run). */
  table: string;
  columns: string[];
  /** Columns of the unique key; they are never updated. */
  key: string[];
  /** `upsert` updates rows whose key exists, `ignore` leaves them as they are. */
  onDuplicate: 'update' | 'ignore';
  method: LoadMethod;
  /**
   * What the server's `Duplicates:` counts after INSERT … ON DUPLICATE KEY UPDATE: MariaDB counts only rows it
   * updated, MySQL every row whose key existed (updated or not).
   */
  duplicatesMeans: 'updated' | 'existing';
}

/** What happened to one batch's rows. Every row lands in exactly one bucket. */
export interface LoadCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Index in the batch and the database's reason, for rows it refused. */
  refused: Array<{ index: number; reason: string }>;
}

/** Rows per INSERT statement: large enough to amortize round trips, small enough to stay far below max_allowed_packet. */
const INSERT_CHUNK = 2000;
/** The only warning LOAD DATA may raise for a clean batch: a key that already exists. */
const ER_DUP_ENTRY = 1062;

/** A record value as the server should receive it (the same for both methods, so they load identical data). */
export function toSqlValue(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  return JSON.stringify(value);
}

const NEEDS_ESCAPE = /[\\\t\n\r\0]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

/** One row of LOAD DATA's default text format (tab-separated, backslash escapes, \N for NULL). */
function toTsvLine(row: Array<string | number | null>): string {
  let line = '';
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (i > 0) line += '\t';
    if (v === null) line += '\\N';
    else if (typeof v === 'number') line += String(v);
    else line += NEEDS_ESCAPE.test(v) ? v.replace(/[\\\t\n\r\0]/g, (c) => ESCAPES[c]) : v;
  }
  return `${line}\n`;
}

/** Parses `Records: 3  Duplicates: 1  Warnings: 0` (INSERT) or `Records: 3  Deleted: 0  Skipped: 1  Warnings: 0` (LOAD DATA). */
function parseInfo(info: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of info.matchAll(/(\w+):\s*(\d+)/g)) out[m[1]] = Number(m[2]);
  return out;
}

/**
 * Writes `rows` (already converted with `toSqlValue`) into `plan.table` on `conn`, inside the caller's transaction.
 * Rows the database refuses are reported, and the rest land. Errors other than a refused row are thrown.
 */
export async function loadRows(
  conn: PoolConnection,
  plan: LoadPlan,
  rows: Array<Array<string | number | null>>,
): Promise<LoadCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0, refused: [] };
  if (plan.method === 'load-data') {
    const counts = await loadData(conn, plan, rows);
    if (counts) return counts;
    // A value the column could not hold became a warning (LOCAL implies IGNORE): undo, and let strict INSERTs name the rows.
    await rawQuery(conn, 'ROLLBACK TO SAVEPOINT etl_batch');
  }
  const counts: LoadCounts = { inserted: 0, updated: 0, unchanged: 0, refused: [] };
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    await insertBisecting(conn, plan, rows, start, Math.min(start + INSERT_CHUNK, rows.length), counts);
  }
  return counts;
}

/**
 * LOAD DATA LOCAL INFILE of the batch from memory. New rows are inserted, existing keys skipped; for upserts the
 * skipped rows are then updated with one INSERT … ON DUPLICATE KEY UPDATE over the batch. Returns undefined when the
 * server raised any warning other than a duplicate key (a value was truncated or clamped): the caller falls back.
 */
async function loadData(
  conn: PoolConnection,
  plan: LoadPlan,
  rows: Array<Array<string | number | null>>,
): Promise<LoadCounts | undefined> {
  await rawQuery(conn, 'SAVEPOINT etl_batch');
  let text = '';
  for (const row of rows) text += toTsvLine(row);
  const data = Buffer.from(text, 'utf8');
  const sql =
    `LOAD DATA LOCAL INFILE 'etl-batch.tsv' IGNORE INTO TABLE ${quoteId(plan.table)} CHARACTER SET utf8mb4 ` +
    `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${plan.columns.map(quoteId).join(', ')})`;
  const header = await rawQuery<ResultHeader>(conn, {
    sql,
    // mysql2 writes each chunk as packets; it needs Buffers, not strings.
    infileStreamFactory: () => Readable.from(chunks(data), { objectMode: false }),
  });
  const info = parseInfo(header.info);
  const skipped = info.Skipped ?? 0;
  if ((info.Records ?? -1) !== rows.length) return undefined;
  if ((info.Warnings ?? 0) > skipped) return undefined;
  if ((info.Warnings ?? 0) > 0) {
    const warnings = await rawQuery<Array<{ Code: number }>>(conn, 'SHOW WARNINGS');
    if (warnings.some((w) => Number(w.Code) !== ER_DUP_ENTRY)) return undefined;
  }
  const inserted = header.affectedRows;
  if (skipped === 0 || plan.onDuplicate === 'ignore')
    return { inserted, updated: 0, unchanged: rows.length - inserted, refused: [] };
  // Every row of the batch now exists: this pass only updates (2 affected rows each) or leaves rows as they are (0).
  let updated = 0;
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const result = await rawQuery<ResultHeader>(conn, insertSql(plan), [rows.slice(start, start + INSERT_CHUNK)]);
    updated += Math.round(result.affectedRows / 2);
  }
  return { inserted, updated, unchanged: rows.length - inserted - updated, refused: [] };
}

function* chunks(data: Buffer, size = 1 << 16): Generator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

/** Multi-row INSERT whose duplicate keys update the other columns (upsert) or touch nothing (ignore). */
function insertSql(plan: LoadPlan): string {
  const cols = plan.columns.map(quoteId).join(', ');
  const updatable = plan.columns.filter((c) => !plan.key.includes(c));
  // `k = k` is a no-op update: unlike INSERT IGNORE it keeps strict-mode errors as errors.
  const set =
    plan.onDuplicate === 'update' && updatable.length > 0
      ? updatable.map((c) => `${quoteId(c)} = VALUES(${quoteId(c)})`).join(', ')
      : `${quoteId(plan.key[0])} = ${quoteId(plan.key[0])}`;
  return `INSERT INTO ${quoteId(plan.table)} (${cols}) VALUES ? ON DUPLICATE KEY UPDATE ${set}`;
}

/** Inserts rows[start, end); when the statement fails on a row's value, halves the range until that row stands alone. */
async function insertBisecting(
  conn: PoolConnection,
  plan: LoadPlan,
  rows: Array<Array<string | number | null>>,
  start: number,
  end: number,
  counts: LoadCounts,
): Promise<void> {
  let result: ResultHeader;
  try {
    // A failed statement is rolled back on its own in InnoDB; the transaction and its earlier statements stay.
    result = await rawQuery<ResultHeader>(conn, insertSql(plan), [rows.slice(start, end)]);
  } catch (error) {
    if (!isRowError(error)) throw error;
    if (end - start === 1) {
      counts.refused.push({ index: start, reason: rowErrorReason(error) });
      return;
    }
    const mid = start + Math.ceil((end - start) / 2);
    await insertBisecting(conn, plan, rows, start, mid, counts);
    await insertBisecting(conn, plan, rows, mid, end, counts);
    return;
  }
  const n = end - start;
  const affected = result.affectedRows;
  const duplicates = parseInfo(result.info).Duplicates;
  let inserted: number;
  let updated: number;
  if (plan.onDuplicate === 'ignore') {
    // The no-op update never changes a row: every affected row is a new one.
    [inserted, updated] = [affected, 0];
  } else if (duplicates === undefined) {
    // The server sends no info line for a one-row INSERT: 1 affected row means new, 2 updated, 0 the same.
    [inserted, updated] = [affected === 1 ? 1 : 0, affected === 2 ? 1 : 0];
  } else if (plan.duplicatesMeans === 'updated') {
    [inserted, updated] = [affected - 2 * duplicates, duplicates];
  } else {
    inserted = n - duplicates;
    updated = (affected - inserted) / 2;
  }
  counts.inserted += inserted;
  counts.updated += updated;
  counts.unchanged += n - inserted - updated;
}

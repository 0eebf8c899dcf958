/**
 * A first load into an empty table builds its plain secondary indexes once, after the rows are in, instead of row by
 * row: random inserts into a secondary B-tree that does not fit the buffer pool cost more than the load itself
 * (2,020,863 baby names: 26 s with `idx_baby_names_name_sex` maintained, 8.6 s + 4.1 s to add it afterwards).
 *
 * Only plain `KEY`s are deferred: the primary key and unique keys stay, so duplicates are found as they arrive and
 * upserts keep their meaning; tables with foreign keys are left alone. The indexes dropped are written into the
 * table's comment by the same `ALTER TABLE` that drops them (one atomic DDL statement), so a load killed half-way
 * leaves a table that says which indexes it owes: the next run that opens it (or this one, at close) adds them back
 * with the original comment, in one `ALTER TABLE` again.
 */
import { quoteId } from './data-source.js';

/** Starts the table comment while indexes are deferred; the rest is JSON. */
export const DEFERRED_MARK = 'etl:deferred-indexes:';
/** InnoDB's longest table comment. */
const MAX_COMMENT = 2048;

export interface DeferredIndexes {
  /** The index clauses as SHOW CREATE TABLE prints them, e.g. ``KEY `idx_x` (`name`,`sex`)``. */
  keys: string[];
  /** The table's own comment, put back with the indexes. */
  comment: string;
}

/** Runs SQL with `?` values (TypeORM's DataSource or a QueryRunner). */
export interface Querier {
  query(sql: string, values?: unknown[]): Promise<unknown>;
}

const PLAIN_KEY = /^\s*KEY `(?:[^`]|``)+` \(.+\)/;

/** The plain secondary index clauses of a `SHOW CREATE TABLE`, or undefined when the table has foreign keys. */
export function plainKeys(createTable: string): string[] | undefined {
  const lines = createTable.split('\n');
  if (lines.some((line) => /^\s*(CONSTRAINT|FOREIGN KEY)\b/.test(line))) return undefined;
  return lines.filter((line) => PLAIN_KEY.test(line)).map((line) => line.trim().replace(/,$/, ''));
}

/** What the table's comment says is owed, if anything. */
export function parseDeferred(comment: string): DeferredIndexes | undefined {
  if (!comment.startsWith(DEFERRED_MARK)) return undefined;
  try {
    const parsed = JSON.parse(comment.slice(DEFERRED_MARK.length)) as DeferredIndexes;
    return Array.isArray(parsed.keys) && typeof parsed.comment === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function tableComment(db: Querier, table: string): Promise<string | undefined> {
  const rows = (await db.query(
    'SELECT TABLE_COMMENT AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [table],
  )) as Array<{ c: string }>;
  return rows[0]?.c;
}

/** The indexes `table` owes from a load that deferred them (undefined when none, or no such table). */
export async function owedIndexes(db: Querier, table: string): Promise<DeferredIndexes | undefined> {
  const comment = await tableComment(db, table);
  return comment === undefined ? undefined : parseDeferred(comment);
}

/**
 * Drops `table`'s plain secondary indexes when it holds no row, recording them in its comment. Returns what was
 * deferred, or undefined when nothing was (rows present, no such index, foreign keys, or a comment too long to keep).
 * Call with the table lock held, so no other load fills the table meanwhile.
 */
export async function deferIndexes(db: Querier, table: string): Promise<DeferredIndexes | undefined> {
  const comment = await tableComment(db, table);
  if (comment === undefined || parseDeferred(comment)) return undefined;
  const anyRow = (await db.query(`SELECT 1 AS one FROM ${quoteId(table)} LIMIT 1`)) as unknown[];
  if (anyRow.length > 0) return undefined;
  const [created] = (await db.query(`SHOW CREATE TABLE ${quoteId(table)}`)) as Array<Record<string, string>>;
  const keys = plainKeys(created['Create Table'] ?? '');
  if (!keys || keys.length === 0) return undefined;
  const deferred: DeferredIndexes = { keys, comment };
  const marked = DEFERRED_MARK + JSON.stringify(deferred);
  if (marked.length > MAX_COMMENT) return undefined;
  const names = keys.map((key) => /^KEY (`(?:[^`]|``)+`)/.exec(key)![1]);
  await db.query(`ALTER TABLE ${quoteId(table)} ${names.map((name) => `DROP INDEX ${name}`).join(', ')}, COMMENT = ?`, [
    marked,
  ]);
  return deferred;
}

/** Adds back the indexes `table`'s comment says are owed, and its own comment, in one statement. */
export async function restoreIndexes(db: Querier, table: string, owed: DeferredIndexes): Promise<void> {
  await db.query(`ALTER TABLE ${quoteId(table)} ${owed.keys.map((key) => `ADD ${key}`).join(', ')}, COMMENT = ?`, [
    owed.comment,
  ]);
}

/**
 * One pipeline's committed state in MySQL, as a `StateBackend` (see core's state-backend.ts for the contract).
 *
 * Reads stay synchronous through prefetching: the runtime (for a transform) or the sink (in its async `write()`)
 * loads the keys a batch will read with `prefetch`, one `SELECT … IN (…)` per 1,000 keys, and `get/has` serve that
 * per-batch cache; a key that was not loaded throws instead of reading as absent (which would resend a whole ledger
 * or pass every duplicate). The runtime's own namespaces (`@runtime`: a few keys) are loaded whole at open. Memory
 * follows the batch, never the state: a ledger of 1.1 million entries stays in the database. `keys()` reads pages
 * (key-pages.ts).
 *
 * A commit is one transaction: the state changes, then the pipeline's checkpoint row and commit count. Prefetches
 * and commits run one after the other, so a prefetch never reads a key a commit is about to change and then caches
 * the stale value.
 */
import { FatalError, type JsonValue, type StateBackend, type StateChanges } from '@etl/core';
import type { ConnectionOptions, Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { keyPages } from './key-pages.js';
import type { DatabaseLock } from './lock.js';
import { MAX_KEY_BYTES } from './schema.js';

/** Rows per statement: well under `max_allowed_packet` for ledger entries, few round trips. */
const CHUNK = 1000;
const ABSENT: unique symbol = Symbol('absent');
type Cached = JsonValue | typeof ABSENT;

const chunks = <T>(items: T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
};
const placeholders = (n: number, each = '?'): string => Array.from({ length: n }, () => each).join(', ');
/** Namespaces the runtime keeps for itself (small): loaded whole, so its synchronous reads need no prefetch. */
const isRuntimeNamespace = (namespace: string): boolean => namespace.startsWith('@');

export interface MysqlBackendOptions {
  pipeline: string;
  readOnly: boolean;
  label: string;
  lock: DatabaseLock | undefined;
  /** For `keys()`, read by a worker thread over a connection of its own. */
  connect: ConnectionOptions;
}

export async function openMysqlBackend(pool: Pool, o: MysqlBackendOptions): Promise<StateBackend> {
  const { pipeline, label } = o;
  const ids = new Map<string, number>();
  const filled = new Set<string>();
  const cache = new Map<string, Map<string, Cached>>();
  let checkpoint: JsonValue | undefined;
  let seq = 0;

  const [meta] = await pool.query<RowDataPacket[]>('SELECT checkpoint, seq FROM etl_pipelines WHERE pipeline = ?', [
    pipeline,
  ]);
  if (meta[0]) {
    checkpoint = meta[0].checkpoint === null ? undefined : (JSON.parse(meta[0].checkpoint) as JsonValue);
    seq = Number(meta[0].seq);
  }
  const [spaces] = await pool.query<RowDataPacket[]>(
    `SELECT n.id, n.name, EXISTS (SELECT 1 FROM etl_state s WHERE s.ns_id = n.id) AS filled
     FROM etl_namespaces n WHERE n.pipeline = ?`,
    [pipeline],
  );
  for (const row of spaces) {
    ids.set(row.name, row.id);
    if (row.filled) filled.add(row.name);
  }
  for (const name of ids.keys()) if (isRuntimeNamespace(name)) cache.set(name, await loadWhole(pool, ids.get(name)!));

  /** Prefetches and commits, one at a time in call order. */
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = chain.then(work);
    chain = run.catch(() => undefined);
    return run;
  };

  const lookup = (namespace: string, key: string): Cached => {
    const found = cache.get(namespace)?.get(key);
    if (found !== undefined) return found;
    if (isRuntimeNamespace(namespace)) return ABSENT;
    throw new FatalError(
      `State key "${key.slice(0, 80)}" of "${namespace}" was read without being loaded first (shared state store ${label}).`,
      {
        code: 'STATE_NOT_PREFETCHED',
        context: { namespace, key: key.slice(0, 80) },
        suggestions: [
          'A plugin reading ctx.state with a shared store loads the keys first: `await ctx.state.prefetch(keys)` in an async hook, or `stateKeys()` on a transform (a plugin bug; the embedded store does not need it).',
        ],
      },
    );
  };

  const prefetch = async (namespace: string, keys: Iterable<string>): Promise<void> => {
    if (isRuntimeNamespace(namespace)) return;
    const wanted = [...new Set(keys)];
    const loaded = new Map<string, Cached>();
    for (const key of wanted) loaded.set(key, ABSENT);
    const id = ids.get(namespace);
    if (id !== undefined)
      for (const part of chunks(wanted)) {
        const [rows] = await pool.query<RowDataPacket[]>(
          `SELECT k, v FROM etl_state WHERE ns_id = ? AND k IN (${placeholders(part.length)})`,
          [id, ...part.map((key) => Buffer.from(key))],
        );
        for (const row of rows) loaded.set((row.k as Buffer).toString('utf8'), JSON.parse(row.v) as JsonValue);
      }
    cache.set(namespace, loaded);
  };

  const namespaceId = async (connection: PoolConnection, namespace: string): Promise<number> => {
    let id = ids.get(namespace);
    if (id !== undefined) return id;
    await connection.query('INSERT IGNORE INTO etl_namespaces (pipeline, name) VALUES (?, ?)', [pipeline, namespace]);
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT id FROM etl_namespaces WHERE pipeline = ? AND name = ?',
      [pipeline, namespace],
    );
    id = rows[0].id as number;
    ids.set(namespace, id);
    return id;
  };

  const write = async (changes: StateChanges, cp: JsonValue, n: number): Promise<void> => {
    if (o.readOnly)
      throw new Error(`The state of "${pipeline}" in ${label} was opened read-only: commit() is refused.`);
    if (o.lock?.lost)
      throw new FatalError(
        `Lost the lock of "${pipeline}" in ${label} (its connection broke): nothing more is committed.`,
        {
          code: 'PIPELINE_LOCK_LOST',
          suggestions: ['Run the same command again to resume from the last checkpoint.'],
        },
      );
    const connection = await pool.getConnection();
    try {
      await connection.beginTransaction();
      await applyChanges(connection, changes, namespaceId);
      await connection.query(
        `INSERT INTO etl_pipelines (pipeline, checkpoint, seq) VALUES (?, ?, ?)
         ON DUPLICATE KEY UPDATE checkpoint = VALUES(checkpoint), seq = VALUES(seq)`,
        [pipeline, JSON.stringify(cp), n],
      );
      await connection.commit();
    } catch (error) {
      await connection.rollback().catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
    checkpoint = cp;
    seq = n;
    remember(changes);
  };

  /** What a commit wrote, in the caches (a key loaded for this batch reads its new value) and the namespace list. */
  const remember = (changes: StateChanges): void => {
    for (const namespace of changes.cleared) {
      filled.delete(namespace);
      const loaded = cache.get(namespace);
      if (loaded) for (const key of loaded.keys()) loaded.set(key, ABSENT);
    }
    for (const [namespace, puts] of changes.puts) {
      if (puts.size > 0) filled.add(namespace);
      const loaded = cache.get(namespace);
      if (!loaded) {
        if (isRuntimeNamespace(namespace)) cache.set(namespace, new Map(puts));
        continue;
      }
      for (const [key, value] of puts) if (loaded.has(key) || isRuntimeNamespace(namespace)) loaded.set(key, value);
    }
    for (const [namespace, keys] of changes.deletes) {
      const loaded = cache.get(namespace);
      if (loaded) for (const key of keys) if (loaded.has(key)) loaded.set(key, ABSENT);
    }
  };

  return {
    location: label,
    maxKeyBytes: MAX_KEY_BYTES,
    prefetches: true,
    get checkpoint() {
      return checkpoint;
    },
    get seq() {
      return seq;
    },
    prefetch: (namespace, keys) => serial(() => prefetch(namespace, keys)),
    get(namespace, key) {
      const value = lookup(namespace, key);
      return value === ABSENT ? undefined : value;
    },
    has: (namespace, key) => lookup(namespace, key) !== ABSENT,
    *keys(namespace) {
      const id = ids.get(namespace);
      if (id !== undefined) yield* keyPages(o.connect, id);
    },
    namespaces: () => [...filled],
    async count(namespace) {
      const id = ids.get(namespace);
      if (id === undefined) return 0;
      const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM etl_state WHERE ns_id = ?', [id]);
      return Number(rows[0].n);
    },
    commit: (changes, cp, n) => serial(() => write(changes, cp, n)),
    async close() {
      await chain;
      await o.lock?.release();
    },
  };
}

async function loadWhole(pool: Pool, id: number): Promise<Map<string, Cached>> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT k, v FROM etl_state WHERE ns_id = ?', [id]);
  return new Map(rows.map((row) => [(row.k as Buffer).toString('utf8'), JSON.parse(row.v) as JsonValue]));
}

/** Clears, then puts and deletes, per namespace, inside the commit's transaction. */
async function applyChanges(
  connection: PoolConnection,
  changes: StateChanges,
  namespaceId: (connection: PoolConnection, namespace: string) => Promise<number>,
): Promise<void> {
  for (const namespace of changes.cleared)
    await connection.query('DELETE FROM etl_state WHERE ns_id = ?', [await namespaceId(connection, namespace)]);
  for (const [namespace, puts] of changes.puts) {
    if (puts.size === 0) continue;
    const id = await namespaceId(connection, namespace);
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
    const id = await namespaceId(connection, namespace);
    for (const part of chunks([...keys]))
      await connection.query(`DELETE FROM etl_state WHERE ns_id = ? AND k IN (${placeholders(part.length)})`, [
        id,
        ...part.map((key) => Buffer.from(key)),
      ]);
  }
}

/**
 * One pipeline's committed state in MySQL, as a `StateBackend` (see core's state-backend.ts for the contract).
 *
 * Reads stay synchronous through prefetching: the runtime (for a transform) or the sink (in its async `write()`)
 * loads the keys a batch will read with `prefetch`, one `SELECT … IN (…)` per 1,000 keys, and `get/has` serve that
 * per-batch cache (key-cache.ts). Memory follows the batch, never the state: a ledger of 1.1 million entries stays in
 * the database. `keys()` reads pages (key-pages.ts).
 *
 * A commit is one transaction: the state changes, then the pipeline's checkpoint row and commit count. Prefetches
 * and commits run one after the other, so a prefetch never reads a key a commit is about to change and then caches
 * the stale value.
 */
import { FatalError, type JsonValue, type StateBackend, type StateChanges } from '@etl/core';
import type { ConnectionOptions, Pool, RowDataPacket } from 'mysql2/promise';
import { isRuntimeNamespace, KeyCache } from './key-cache.js';
import { keyPages } from './key-pages.js';
import type { DatabaseLock } from './lock.js';
import { MAX_KEY_BYTES } from './schema.js';
import { chunks, placeholders, writeCommit } from './write.js';

export interface MysqlBackendOptions {
  pipeline: string;
  readOnly: boolean;
  label: string;
  lock: DatabaseLock | undefined;
  /** For `keys()`, read by a worker thread over a connection of its own. */
  connect: ConnectionOptions;
}

/** What the backend knows of its pipeline between statements. */
interface Known {
  checkpoint: JsonValue | undefined;
  seq: number;
  /** Namespace name → id. */
  ids: Map<string, number>;
  /** Namespaces holding at least one key (an emptied one may linger until reopened: clearing it again is harmless). */
  filled: Set<string>;
}

export async function openMysqlBackend(pool: Pool, o: MysqlBackendOptions): Promise<StateBackend> {
  const known = await readKnown(pool, o.pipeline);
  const cache = new KeyCache(o.label);
  for (const [name, id] of known.ids)
    if (isRuntimeNamespace(name)) cache.load(name, [], await readRows(pool, 'WHERE ns_id = ?', [id]));

  /** Prefetches and commits, one at a time in call order. */
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = chain.then(work);
    chain = run.catch(() => undefined);
    return run;
  };

  const prefetch = async (namespace: string, keys: Iterable<string>): Promise<void> => {
    if (isRuntimeNamespace(namespace)) return;
    const wanted = [...new Set(keys)];
    const found: Array<[string, JsonValue]> = [];
    const id = known.ids.get(namespace);
    if (id !== undefined)
      for (const part of chunks(wanted)) {
        const where = `WHERE ns_id = ? AND k IN (${placeholders(part.length)})`;
        found.push(...(await readRows(pool, where, [id, ...part.map((key) => Buffer.from(key))])));
      }
    cache.load(namespace, wanted, found);
  };

  const commit = async (changes: StateChanges, cp: JsonValue, n: number): Promise<void> => {
    if (o.readOnly)
      throw new Error(`The state of "${o.pipeline}" in ${o.label} was opened read-only: commit() is refused.`);
    if (o.lock?.lost)
      throw new FatalError(
        `Lost the lock of "${o.pipeline}" in ${o.label} (its connection broke): nothing more is committed.`,
        {
          code: 'PIPELINE_LOCK_LOST',
          suggestions: ['Run the same command again to resume from the last checkpoint.'],
        },
      );
    await writeCommit(pool, o.pipeline, known.ids, changes, cp, n);
    known.checkpoint = cp;
    known.seq = n;
    for (const namespace of changes.cleared) known.filled.delete(namespace);
    for (const [namespace, puts] of changes.puts) if (puts.size > 0) known.filled.add(namespace);
    cache.remember(changes);
  };

  return {
    location: o.label,
    maxKeyBytes: MAX_KEY_BYTES,
    prefetches: true,
    get checkpoint() {
      return known.checkpoint;
    },
    get seq() {
      return known.seq;
    },
    prefetch: (namespace, keys) => serial(() => prefetch(namespace, keys)),
    get: (namespace, key) => cache.get(namespace, key),
    has: (namespace, key) => cache.has(namespace, key),
    *keys(namespace) {
      const id = known.ids.get(namespace);
      if (id !== undefined) yield* keyPages(o.connect, id);
    },
    namespaces: () => [...known.filled],
    async count(namespace) {
      const id = known.ids.get(namespace);
      if (id === undefined) return 0;
      const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM etl_state WHERE ns_id = ?', [id]);
      return Number(rows[0].n);
    },
    commit: (changes, cp, n) => serial(() => commit(changes, cp, n)),
    async close() {
      await chain;
      await o.lock?.release();
    },
  };
}

async function readKnown(pool: Pool, pipeline: string): Promise<Known> {
  const known: Known = { checkpoint: undefined, seq: 0, ids: new Map(), filled: new Set() };
  const [meta] = await pool.query<RowDataPacket[]>('SELECT checkpoint, seq FROM etl_pipelines WHERE pipeline = ?', [
    pipeline,
  ]);
  if (meta[0]) {
    if (meta[0].checkpoint !== null) known.checkpoint = JSON.parse(meta[0].checkpoint) as JsonValue;
    known.seq = Number(meta[0].seq);
  }
  const [spaces] = await pool.query<RowDataPacket[]>(
    `SELECT n.id, n.name, EXISTS (SELECT 1 FROM etl_state s WHERE s.ns_id = n.id) AS filled
     FROM etl_namespaces n WHERE n.pipeline = ?`,
    [pipeline],
  );
  for (const row of spaces) {
    known.ids.set(row.name, row.id);
    if (row.filled) known.filled.add(row.name);
  }
  return known;
}

async function readRows(pool: Pool, where: string, params: unknown[]): Promise<Array<[string, JsonValue]>> {
  const [rows] = await pool.query<RowDataPacket[]>(`SELECT k, v FROM etl_state ${where}`, params);
  return rows.map((row) => [(row.k as Buffer).toString('utf8'), JSON.parse(row.v) as JsonValue]);
}

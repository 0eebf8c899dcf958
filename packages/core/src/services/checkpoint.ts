import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FatalError } from '../errors.js';
import type { JsonValue, StepState } from '../plugins/types.js';
import { JOURNAL, replayJournal } from './journal.js';
import type { LmdbBackend } from './lmdb-backend.js';
import { acquireLock } from './lock.js';
import type { SharedStateStore } from './shared-state.js';
import { emptyChanges, memoryBackend, type StateBackend, type StateChanges } from './state-backend.js';
import { Namespace, stepStateView, type CommittedView } from './step-state.js';

export interface CheckpointStoreOptions {
  /** fsync each commit (what makes a commit survive a power cut; `kill -9` loses nothing either way). @default true */
  fsync?: boolean;
  /**
   * Take the pipeline's lock (`checkpoint.lock.<n>`, see lock.ts), so two runs of one pipeline cannot interleave
   * commits. A lock left by a dead process is taken over. @default true
   */
  lock?: boolean;
  /**
   * Only read, for `etl check` while a run may be writing: no folder is created, no lock is taken, nothing is migrated
   * and `commit()` throws. A missing store reads as empty. @default false
   */
  readOnly?: boolean;
  /**
   * Keep committed state in a shared store (`ETL_STATE_URL`) under this pipeline's name instead of the folder's LMDB
   * file; the lock is then the store's (a database lock), not the folder's.
   */
  shared?: { store: SharedStateStore; pipeline: string };
}

export interface CommitOptions {
  /** Commit only staged writes tagged below this (source batch seq); untagged (0) writes always go. @default Infinity */
  upTo?: number;
}

/**
 * Durable, namespaced key/value state plus the runtime's checkpoint. Committed state lives in a `StateBackend` (an
 * LMDB file, `state.mdb`, see lmdb-backend.ts), read synchronously; this store keeps only the staged writes (what a
 * step wrote since the last commit) in memory, so memory follows the batches in flight, not the size of the state.
 * A commit writes the checkpoint and the staged writes it covers in one atomic transaction. A folder written by an
 * earlier version (`checkpoint.jsonl`) is migrated on the first open.
 */
export interface CheckpointStore {
  /** The state file, or undefined for an in-memory store. */
  readonly file: string | undefined;
  /** The last committed checkpoint (the runtime's resume point), undefined when none was ever committed. */
  readonly checkpoint: JsonValue | undefined;
  /** Number of commits so far. */
  readonly seq: number;
  /** A step's state; `tag` says which source batch new writes belong to (0: commit with the next commit). */
  state(namespace: string, tag?: () => number): StepState;
  /** True when reads need `prefetch` first (a shared store); false for the embedded one. */
  readonly prefetches: boolean;
  /** Loads committed keys of a namespace for the reads of the next batch (see `StateBackend.prefetch`). */
  prefetch(namespace: string, keys: Iterable<string>): Promise<void>;
  /** Holds back a namespace's staged writes (a sink write in flight) until released. */
  hold(namespace: string, held: boolean): void;
  /** How many committed keys a namespace holds (staged writes not counted). */
  count(namespace: string): Promise<number>;
  /** Names of namespaces that hold keys or staged writes. */
  namespaces(): string[];
  /** Commits the checkpoint and the staged writes it covers. Commits run one at a time, in call order. */
  commit(checkpoint: JsonValue, options?: CommitOptions): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens (creating if needed) the store in `dir` (`<stateDir>/pipelines/<pipeline>`), or an in-memory store when `dir`
 * is undefined (dry runs, tests, `etl check`).
 */
export async function openCheckpointStore(
  dir: string | undefined,
  options: CheckpointStoreOptions = {},
): Promise<CheckpointStore> {
  const readOnly = options.readOnly ?? false;
  let unlock = (): void => undefined;
  let backend: StateBackend;
  if (options.shared) {
    const { store, pipeline } = options.shared;
    backend = await store.openPipeline(pipeline, { readOnly, lock: !readOnly && (options.lock ?? true) });
  } else if (!dir) backend = memoryBackend();
  else {
    if (!readOnly) {
      mkdirSync(dir, { recursive: true });
      if (options.lock ?? true) unlock = acquireLock(dir).release;
    }
    try {
      backend = await openBackend(dir, readOnly, options.fsync ?? true);
    } catch (error) {
      unlock();
      throw error;
    }
  }
  return storeOver(backend, readOnly, unlock, dir);
}

/** The folder's LMDB file, after migrating a journal left by an earlier version (read-only: the journal, in memory). */
async function openBackend(dir: string, readOnly: boolean, fsync: boolean): Promise<StateBackend> {
  // Loaded with the first store, not with @etl/core: `etl validate` never opens one (lmdb is a native addon).
  const { openLmdbBackend, STATE_FILE } = await import('./lmdb-backend.js');
  const file = join(dir, STATE_FILE);
  const journal = join(dir, JOURNAL);
  const hasJournal = existsSync(journal);
  if (readOnly) {
    let lmdb: LmdbBackend | undefined;
    if (existsSync(file)) lmdb = openLmdbBackend(file, { fsync, readOnly: true });
    if (lmdb && (!hasJournal || lmdb.journalMigrated)) return lmdb;
    await lmdb?.close();
    const memory = memoryBackend();
    await replayJournal(journal, memory, (changes, cp, seq) => memory.commit(changes, cp ?? null, seq));
    return memory;
  }
  const lmdb = openLmdbBackend(file, { fsync, readOnly: false });
  try {
    if (hasJournal) {
      if (!lmdb.journalMigrated) {
        await lmdb.wipe(); // an interrupted migration starts over
        await replayJournal(journal, lmdb, (changes, cp, seq, done) => lmdb.commitMigration(changes, cp, seq, done));
      }
      rmSync(journal);
    }
    return lmdb;
  } catch (error) {
    await lmdb.close();
    throw error;
  }
}

function storeOver(
  backend: StateBackend,
  readOnly: boolean,
  unlock: () => void,
  dir: string | undefined,
): CheckpointStore {
  /** What the commit in flight writes: reads see it until the backend has it. */
  let inflight: StateChanges = emptyChanges();
  const committedView = (name: string): CommittedView => ({
    get(key) {
      const put = inflight.puts.get(name)?.get(key);
      if (put !== undefined) return put;
      if (inflight.cleared.has(name) || inflight.deletes.get(name)?.has(key)) return undefined;
      return backend.get(name, key);
    },
    has(key) {
      if (inflight.puts.get(name)?.has(key)) return true;
      if (inflight.cleared.has(name) || inflight.deletes.get(name)?.has(key)) return false;
      return backend.has(name, key);
    },
    *keys() {
      const puts = inflight.puts.get(name);
      if (!inflight.cleared.has(name)) {
        const deletes = inflight.deletes.get(name);
        for (const key of backend.keys(name)) if (!deletes?.has(key) && !puts?.has(key)) yield key;
      }
      if (puts) yield* puts.keys();
    },
  });
  const spaces = new Map<string, Namespace>();
  const space = (name: string): Namespace => {
    let ns = spaces.get(name);
    if (!ns) spaces.set(name, (ns = new Namespace(committedView(name))));
    return ns;
  };
  const checkKey = (name: string) => (key: string) => {
    if (name.length + key.length * 3 > backend.maxKeyBytes && Buffer.byteLength(name + key) > backend.maxKeyBytes)
      throw new FatalError(
        `State key of "${name}" is ${Buffer.byteLength(key)} bytes long: the limit is about 1,900.`,
        {
          code: 'STATE_KEY_TOO_LONG',
          context: { namespace: name, key: `${key.slice(0, 80)}…` },
          suggestions: ['Use a shorter key, e.g. a hash of the long value (the plugin should do this).'],
        },
      );
  };

  /** Moves the staged writes tagged below `upTo` into a fresh `inflight`. */
  const take = (upTo: number): StateChanges => {
    const changes = emptyChanges();
    for (const [name, ns] of spaces) {
      if (ns.pendingCount === 0) continue;
      const puts = () => {
        let p = changes.puts.get(name);
        if (!p) changes.puts.set(name, (p = new Map()));
        return p;
      };
      const deletes = () => {
        let d = changes.deletes.get(name);
        if (!d) changes.deletes.set(name, (d = new Set()));
        return d;
      };
      ns.take(upTo, {
        put(key, value) {
          puts().set(key, value);
          changes.deletes.get(name)?.delete(key);
        },
        del(key) {
          changes.puts.get(name)?.delete(key);
          deletes().add(key);
        },
        clear() {
          changes.puts.delete(name);
          changes.deletes.delete(name);
          changes.cleared.add(name);
        },
      });
    }
    return changes;
  };

  let chain: Promise<void> = Promise.resolve();
  const doCommit = async (cp: JsonValue, upTo: number): Promise<void> => {
    inflight = take(upTo);
    try {
      await backend.commit(inflight, cp, backend.seq + 1);
    } finally {
      inflight = emptyChanges();
    }
  };

  return {
    file: backend.location,
    get checkpoint() {
      return backend.checkpoint;
    },
    get seq() {
      return backend.seq;
    },
    state: (namespace, tag = () => 0) =>
      stepStateView(space(namespace), tag, checkKey(namespace), (keys) => backend.prefetch(namespace, keys)),
    prefetches: backend.prefetches,
    count: (namespace) => backend.count(namespace),
    prefetch: (namespace, keys) => backend.prefetch(namespace, keys),
    hold(namespace, held) {
      space(namespace).held = held;
    },
    namespaces() {
      const names = new Set(backend.namespaces());
      for (const [name, ns] of spaces) if (ns.pendingCount > 0) names.add(name);
      return [...names];
    },
    commit(cp, commitOptions = {}) {
      if (readOnly)
        return Promise.reject(
          new Error(`The checkpoint store of ${dir} was opened read-only (etl check): commit() is not allowed.`),
        );
      const run = chain.then(() => doCommit(cp, commitOptions.upTo ?? Infinity));
      chain = run.catch(() => undefined);
      return run;
    },
    async close() {
      try {
        await chain;
        await backend.close();
      } finally {
        unlock();
      }
    },
  };
}

import type { JsonValue } from '../plugins/types.js';

/** What one commit changes: namespaces emptied first, then puts and deletes, per namespace. */
export interface StateChanges {
  cleared: Set<string>;
  puts: Map<string, Map<string, JsonValue>>;
  deletes: Map<string, Set<string>>;
}

export const emptyChanges = (): StateChanges => ({ cleared: new Set(), puts: new Map(), deletes: new Map() });

/**
 * Where committed step state and the runtime's checkpoint live. The checkpoint store (checkpoint.ts) keeps only what
 * is staged and not yet committed in memory; every committed key is read from here, so state that grows with the data
 * (a ledger of a million contacts, the dedupe keys of millions of rows) is never held whole in the process.
 *
 * Reads are synchronous because `StepState.get/has` are (a transform decides per record, in a loop that must not
 * await). The embedded store (lmdb-backend.ts) reads a memory-mapped file, so that is free. A shared store (a MySQL
 * table keyed by pipeline, namespace and key, issue #15) would keep the same contract by prefetching: before the
 * runtime hands a batch to a step, it asks the store for the keys that batch will read (a sink's record identities,
 * dedupe's keys: both derive from the records) in one `SELECT … WHERE k IN (…)`, and serves `get/has` from that
 * per-batch cache; `keys()` becomes a paged range scan. `commit` maps to one database transaction that writes the
 * changes and the checkpoint row, and the pipeline lock to a row lock (or `GET_LOCK`) held for the run. That store is
 * @etl/state-mysql (a companion package: core depends on no database driver), reached through `SharedStateStore`
 * (shared-state.ts).
 */
export interface StateBackend {
  /** Where the state lives (a file), or undefined for memory. */
  readonly location: string | undefined;
  /** The last committed checkpoint, undefined when none was ever committed. */
  readonly checkpoint: JsonValue | undefined;
  /** Number of commits so far. */
  readonly seq: number;
  /** Longest `namespace + key` it can store, in UTF-8 bytes (LMDB's key limit); Infinity when unlimited. */
  readonly maxKeyBytes: number;
  /**
   * True when `get/has` serve only keys loaded by `prefetch` (a shared store); false when every read is synchronous
   * anyway (the embedded store), and `prefetch` resolves at once.
   */
  readonly prefetches: boolean;
  /**
   * Loads the committed values of `keys` of `namespace` for the `get/has` that follow, replacing what the last call
   * for that namespace loaded (memory follows the batch, not the state). Runs after any commit in flight.
   */
  prefetch(namespace: string, keys: Iterable<string>): Promise<void>;
  get(namespace: string, key: string): JsonValue | undefined;
  has(namespace: string, key: string): boolean;
  /** A namespace's committed keys, in key order, from a consistent snapshot. */
  keys(namespace: string): IterableIterator<string>;
  /** Namespaces that hold at least one committed key. */
  namespaces(): string[];
  /** How many committed keys a namespace holds (without listing them). */
  count(namespace: string): Promise<number>;
  /** Applies the changes and the checkpoint atomically; resolves once they are durable. One call at a time. */
  commit(changes: StateChanges, checkpoint: JsonValue, seq: number): Promise<void>;
  close(): Promise<void>;
}

/** State in a Map: dry runs, tests, and a read-only look at a journal not migrated yet. */
export function memoryBackend(): StateBackend {
  const spaces = new Map<string, Map<string, JsonValue>>();
  let checkpoint: JsonValue | undefined;
  let seq = 0;
  return {
    location: undefined,
    maxKeyBytes: Infinity,
    prefetches: false,
    prefetch: () => Promise.resolve(),
    get checkpoint() {
      return checkpoint;
    },
    get seq() {
      return seq;
    },
    get: (namespace, key) => spaces.get(namespace)?.get(key),
    has: (namespace, key) => spaces.get(namespace)?.has(key) ?? false,
    keys: (namespace) => [...(spaces.get(namespace)?.keys() ?? [])].sort().values(),
    namespaces: () => [...spaces].filter(([, keys]) => keys.size > 0).map(([name]) => name),
    count: (namespace) => Promise.resolve(spaces.get(namespace)?.size ?? 0),
    commit(changes, cp, n) {
      for (const name of changes.cleared) spaces.delete(name);
      for (const [name, puts] of changes.puts) {
        let keys = spaces.get(name);
        if (!keys) spaces.set(name, (keys = new Map()));
        for (const [key, value] of puts) keys.set(key, value);
      }
      for (const [name, keys] of changes.deletes) for (const key of keys) spaces.get(name)?.delete(key);
      checkpoint = cp;
      seq = n;
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

/**
 * The embedded state store: LMDB (the `lmdb` package), one memory-mapped B-tree file per pipeline, `state.mdb`.
 *
 * Why LMDB: reads are synchronous and cost a B-tree lookup in mapped pages (no I/O, no copy into the JS heap until a
 * value is read), which `StepState.get/has` need; a commit is one atomic, fsynced write transaction (copy-on-write
 * pages, the old root stays valid until the new meta page is written), so `kill -9` or a power cut at any moment leaves
 * either the previous commit or the new one, never a torn file; readers in other processes (`etl check`) see a
 * consistent snapshot while a run writes. It installs from the npm registry alone: the native binding ships prebuilt
 * for each platform as an optional package (`@lmdb/lmdb-linux-x64`, …), nothing is downloaded or compiled at install.
 * better-sqlite3 would do too, but its prebuilt binaries come from GitHub releases and it otherwise compiles from
 * source; Node's own `node:sqlite` needs Node 22 (we support 20.19).
 *
 * Layout (format 2): database `entries` maps a binary key, the namespace's small id then the key (lmdb-keys.ts), to
 * the value (msgpack), so a namespace is one key range; database `meta` holds the checkpoint, the commit count, whether
 * a legacy journal was migrated, the format, and `ns:<name>` → id. A small number instead of the name
 * (`hubspot@<destination id>`, often 60 characters) in every key, and 1 byte for it instead of format 1's 10, keep a
 * ledger of 1.1 million entries at about 160 MB instead of 300. Format 1 (database `state`, `[id, key]` array keys) is
 * migrated on the first writable open (see `openEntries`); a read-only open (`etl check`) reads it as it is.
 *
 * Memory: the file is mapped, and the pages a run touches count in its RSS (clean page cache, given back first under
 * memory pressure). The map is reserved once at `MAP_SIZE` (address space only): letting LMDB grow it remaps the file
 * and kept every earlier mapping resident (700 MB of RSS for a 300 MB file in a test).
 */
import { open, type Database, type DatabaseOptions, type RootDatabase } from 'lmdb';
import type { JsonValue } from '../plugins/types.js';
import { rangeOf, readStateKey, writeStateKey, type StateKey as Key } from './lmdb-keys.js';
import type { StateBackend, StateChanges } from './state-backend.js';

export const STATE_FILE = 'state.mdb';
/** The layout this code writes (see above); a file without `format` in `meta` is format 1. */
const FORMAT = 2;
/** Entries copied per transaction while format 1 is migrated: about 1 MB of new pages held until each commits. */
const MIGRATE_CHUNK = 10_000;
/** Address space reserved for the map (not memory, not disk): 1 TiB, far beyond any state this keeps. */
const MAP_SIZE = 2 ** 40;
/** LMDB's key limit is 1978 bytes; a little is kept for the separator and the key encoding. */
const MAX_KEY_BYTES = 1900;
/** Keys dropped per read while a namespace is cleared, so a clear never lists a whole namespace in memory. */
const CLEAR_CHUNK = 10_000;

export interface LmdbBackend extends StateBackend {
  /** True once a legacy `checkpoint.jsonl` was replayed completely into this file. */
  readonly journalMigrated: boolean;
  /** Drops everything (a migration that was interrupted starts over). */
  wipe(): Promise<void>;
  /** Commits like `commit`, and records that the journal is migrated. */
  commitMigration(changes: StateChanges, checkpoint: JsonValue | undefined, seq: number, done: boolean): Promise<void>;
}

export interface LmdbBackendOptions {
  /** fsync each commit (what makes it survive a power cut; a killed process loses nothing either way). */
  fsync: boolean;
  readOnly: boolean;
}

export function openLmdbBackend(file: string, options: LmdbBackendOptions): LmdbBackend {
  const root: RootDatabase = open({
    path: file,
    noSubdir: true,
    readOnly: options.readOnly,
    noSync: !options.fsync,
    // The commit promise resolves once the transaction is on disk, not merely visible: a checkpoint is a promise.
    overlappingSync: false,
    maxDbs: 4,
    mapSize: MAP_SIZE,
  });
  const meta: Database<JsonValue, string> = root.openDB({ name: 'meta', encoding: 'msgpack' });
  const data = openEntries(root, meta, options.readOnly);
  const ids = new Map<string, number>();
  /** A namespace's id, undefined when it never held a key (a reader looks again: a writer may have added it since). */
  const idOf = (namespace: string): number | undefined => {
    let id = ids.get(namespace);
    if (id === undefined) {
      id = meta.get(`ns:${namespace}`) as number | undefined;
      if (id !== undefined) ids.set(namespace, id);
    }
    return id;
  };
  /** Inside a write transaction: the namespace's id, allocated on its first key. */
  const ensureId = (namespace: string): number => {
    let id = idOf(namespace);
    if (id === undefined) {
      id = ((meta.get('nextNs') as number | undefined) ?? 0) + 1;
      meta.putSync('nextNs', id);
      meta.putSync(`ns:${namespace}`, id);
      ids.set(namespace, id);
    }
    return id;
  };

  const clearNamespace = (namespace: string): void => {
    const id = idOf(namespace);
    if (id === undefined) return;
    for (;;) {
      const keys = [...data.getKeys({ ...rangeOf(id), limit: CLEAR_CHUNK, snapshot: false })];
      if (keys.length === 0) return;
      for (const key of keys) data.removeSync(key);
    }
  };

  const apply = (changes: StateChanges): void => {
    for (const namespace of changes.cleared) clearNamespace(namespace);
    for (const [namespace, puts] of changes.puts) {
      if (puts.size === 0) continue;
      const id = ensureId(namespace);
      for (const [key, value] of puts) data.putSync([id, key], value);
    }
    for (const [namespace, keys] of changes.deletes) {
      const id = idOf(namespace);
      if (id !== undefined) for (const key of keys) data.removeSync([id, key]);
    }
  };

  // The work runs in a child transaction: lmdb's async `transaction()` keeps what its callback wrote before throwing
  // (a value that cannot be encoded, after thousands of puts), a child transaction is rolled back whole.
  const write = (changes: StateChanges, checkpoint: JsonValue | undefined, seq: number, migrated?: boolean) =>
    root.transaction(() =>
      root.childTransaction(() => {
        apply(changes);
        if (checkpoint !== undefined) meta.putSync('checkpoint', checkpoint);
        meta.putSync('seq', seq);
        if (migrated !== undefined) meta.putSync('journalMigrated', migrated);
      }),
    );

  return {
    location: file,
    maxKeyBytes: MAX_KEY_BYTES,
    // Reads are B-tree lookups in the mapped file: nothing to load ahead.
    prefetches: false,
    prefetch: () => Promise.resolve(),
    get checkpoint() {
      return meta.get('checkpoint');
    },
    get seq() {
      return (meta.get('seq') as number | undefined) ?? 0;
    },
    get journalMigrated() {
      return meta.get('journalMigrated') === true;
    },
    get(namespace, key) {
      const id = idOf(namespace);
      return id === undefined ? undefined : data.get([id, key]);
    },
    has(namespace, key) {
      const id = idOf(namespace);
      return id !== undefined && data.doesExist([id, key]);
    },
    *keys(namespace) {
      const id = idOf(namespace);
      if (id !== undefined) for (const key of data.getKeys(rangeOf(id))) yield key[1];
    },
    namespaces() {
      const names: string[] = [];
      for (const { key, value } of meta.getRange({ start: 'ns:', end: 'ns;' })) {
        for (const _ of data.getKeys({ ...rangeOf(value as number), limit: 1 })) names.push(key.slice(3));
      }
      return names;
    },
    count(namespace) {
      const id = idOf(namespace);
      return Promise.resolve(id === undefined ? 0 : data.getKeysCount(rangeOf(id)));
    },
    async commit(changes, checkpoint, seq) {
      await write(changes, checkpoint, seq);
    },
    async commitMigration(changes, checkpoint, seq, done) {
      await write(changes, checkpoint, seq, done);
    },
    async wipe() {
      await root.transaction(() => {
        data.clearSync();
        meta.clearSync();
        meta.putSync('format', FORMAT);
      });
      ids.clear();
    },
    close: () => root.close(),
  };
}

/** lmdb takes `keyEncoder` per database (its types list it for the root only). */
const entriesOptions = (encoding: 'msgpack' | 'binary') =>
  ({ name: 'entries', encoding, keyEncoder: { writeKey: writeStateKey, readKey: readStateKey } }) as DatabaseOptions & {
    name: string;
  };

/**
 * The entries of this file in format 2. A format-1 file opened read-only is read through its own key encoding; opened
 * writable, it is migrated first: every entry copied in key order (appended, so pages fill up) in transactions of
 * `MIGRATE_CHUNK` entries (one transaction would hold every new page in memory until it commits), then the old
 * database dropped and `format` set in the last one. Until then the file is format 1: a crash part-way leaves a partial
 * copy that the next open clears and makes again. Nothing reads the state before this returns.
 */
function openEntries(
  root: RootDatabase,
  meta: Database<JsonValue, string>,
  readOnly: boolean,
): Database<JsonValue, Key> {
  const format = meta.get('format');
  if (readOnly && format === undefined) return root.openDB({ name: 'state', encoding: 'msgpack' });
  const entries: Database<JsonValue, Key> = root.openDB(entriesOptions('msgpack'));
  if (readOnly || format !== undefined) return entries;
  if (meta.get('seq') === undefined) {
    meta.putSync('format', FORMAT); // a new file
    return entries;
  }
  const old = root.openDB<Buffer, Key>({ name: 'state', encoding: 'binary' });
  const copy = root.openDB<Buffer, Key>(entriesOptions('binary'));
  copy.clearSync();
  let after: Key | undefined;
  for (let copied = MIGRATE_CHUNK; copied === MIGRATE_CHUNK; ) {
    copied = root.transactionSync(() => {
      let n = 0;
      for (const { key, value } of old.getRange({ start: after, limit: MIGRATE_CHUNK + 1, snapshot: false })) {
        if (after !== undefined && key[0] === after[0] && key[1] === after[1]) continue;
        if (n === MIGRATE_CHUNK) break;
        copy.putSync(key, value, { append: true });
        after = key;
        n++;
      }
      return n;
    });
  }
  root.transactionSync(() => {
    old.dropSync();
    meta.putSync('format', FORMAT);
  });
  return entries;
}

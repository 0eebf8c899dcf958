import { mkdirSync } from 'node:fs';
import { open, readFile, rename, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { FatalError } from '../errors.js';
import type { JsonValue, StepState } from '../plugins/types.js';
import { acquireLock } from './lock.js';
import { Namespace, stepStateView } from './step-state.js';

export interface CheckpointStoreOptions {
  /** fsync after each append (what makes a commit survive `kill -9` and power loss). @default true */
  fsync?: boolean;
  /** The journal is compacted once it is this big and much bigger than the live state. @default 8 MiB */
  compactMinBytes?: number;
  /**
   * Take the pipeline's lock (`checkpoint.lock.<n>`, see lock.ts), so two runs of one pipeline cannot interleave
   * commits. A lock left by a dead process is taken over. @default true
   */
  lock?: boolean;
  /**
   * Only read the journal, for `etl check` while a run may be appending to it: no folder is created, a torn tail is
   * left as it is (it may be a live append), no lock is taken and `commit()` throws. A missing journal reads as empty.
   * @default false
   */
  readOnly?: boolean;
}

export interface CommitOptions {
  /** Commit only staged writes tagged below this (source batch seq); untagged (0) writes always go. @default Infinity */
  upTo?: number;
}

/**
 * Durable, namespaced key/value state plus the runtime's checkpoint, kept as an append-only journal
 * (`checkpoint.jsonl`): one line per commit `<crc32 hex> {seq, lineage, puts, deletes, checkpoint}`, fsynced. A commit
 * costs what it changes, not the size of the state. On open the journal is replayed; a torn or garbled last line (a
 * crash mid-append) is dropped. When the journal grows well past the live state it is rewritten as one snapshot line
 * (write temp, fsync, rename, fsync the folder).
 */
export interface CheckpointStore {
  /** The journal file, or undefined for an in-memory store. */
  readonly file: string | undefined;
  /** The last committed checkpoint (the runtime's resume point), undefined when none was ever committed. */
  readonly checkpoint: JsonValue | undefined;
  /** Number of commits in the journal so far. */
  readonly seq: number;
  /** A step's state; `tag` says which source batch new writes belong to (0: commit with the next commit). */
  state(namespace: string, tag?: () => number): StepState;
  /** Holds back a namespace's staged writes (a sink write in flight) until released. */
  hold(namespace: string, held: boolean): void;
  /** Names of namespaces that hold keys or staged writes. */
  namespaces(): string[];
  /** Appends one commit: the checkpoint and the staged writes it covers. Commits run one at a time, in call order. */
  commit(checkpoint: JsonValue, options?: CommitOptions): Promise<void>;
  close(): Promise<void>;
}

const JOURNAL = 'checkpoint.jsonl';

interface JournalLine {
  seq: number;
  lineage?: string;
  snapshot?: boolean;
  puts: Record<string, Record<string, JsonValue>>;
  deletes: Record<string, string[]>;
  checkpoint: JsonValue;
}

const encodeLine = (line: JournalLine): string => {
  const json = JSON.stringify(line);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
};

const decodeLine = (text: string): JournalLine | undefined => {
  const space = text.indexOf(' ');
  if (space !== 8) return undefined;
  const json = text.slice(9);
  if (parseInt(text.slice(0, 8), 16) !== crc32(json)) return undefined;
  try {
    return JSON.parse(json) as JournalLine;
  } catch {
    return undefined;
  }
};

const lineageOf = (checkpoint: JsonValue): string | undefined =>
  checkpoint && typeof checkpoint === 'object' && !Array.isArray(checkpoint) && typeof checkpoint.lineage === 'string'
    ? checkpoint.lineage
    : undefined;

/**
 * Opens (creating if needed) the store in `dir` (`<stateDir>/pipelines/<pipeline>`), or an in-memory store when `dir`
 * is undefined (dry runs of tests, `etl check`).
 */
export async function openCheckpointStore(
  dir: string | undefined,
  options: CheckpointStoreOptions = {},
): Promise<CheckpointStore> {
  const doFsync = options.fsync ?? true;
  const compactMinBytes = options.compactMinBytes ?? 8 * 1024 * 1024;
  const spaces = new Map<string, Namespace>();
  const space = (name: string): Namespace => {
    let ns = spaces.get(name);
    if (!ns) spaces.set(name, (ns = new Namespace()));
    return ns;
  };
  let checkpoint: JsonValue | undefined;
  let seq = 0;
  let journalBytes = 0;
  let compactAt = compactMinBytes;
  let handle: FileHandle | undefined;
  const file = dir ? join(dir, JOURNAL) : undefined;

  const apply = (line: JournalLine): void => {
    if (line.snapshot) for (const ns of spaces.values()) ns.committed.clear();
    for (const [name, puts] of Object.entries(line.puts ?? {})) {
      const ns = space(name);
      for (const key in puts) ns.committed.set(key, puts[key]);
    }
    for (const [name, keys] of Object.entries(line.deletes ?? {})) {
      const ns = space(name);
      for (const key of keys) ns.committed.delete(key);
    }
    checkpoint = line.checkpoint;
    seq = line.seq;
  };

  const readOnly = options.readOnly ?? false;
  let unlock = (): void => undefined;
  if (dir && file) {
    if (!readOnly) {
      mkdirSync(dir, { recursive: true });
      if (options.lock ?? true) unlock = acquireLock(dir).release;
    }
    const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) =>
      e.code === 'ENOENT' ? '' : Promise.reject(e),
    );
    let good = 0; // bytes of valid, complete lines
    let offset = 0;
    while (offset < text.length) {
      const nl = text.indexOf('\n', offset);
      const complete = nl !== -1;
      const raw = text.slice(offset, complete ? nl : text.length);
      const line = complete ? decodeLine(raw) : undefined;
      const next = complete ? nl + 1 : text.length;
      if (!line) {
        if (next < text.length && text.slice(next).trim() !== '') {
          throw new FatalError(`The checkpoint journal ${file} is corrupt in the middle (line at byte ${offset}).`, {
            code: 'CHECKPOINT_CORRUPT',
            suggestions: [
              'Run with --fresh to start over from the beginning (plugin ledgers are kept, so unchanged records are skipped).',
              `Or move ${file} away to inspect it.`,
            ],
          });
        }
        break; // a torn last append: the commit never completed
      }
      apply(line);
      offset = next;
      good += Buffer.byteLength(raw, 'utf8') + 1;
    }
    journalBytes = good;
    try {
      if (!readOnly) {
        if (Buffer.byteLength(text, 'utf8') !== good) await truncate(file, good);
        handle = await open(file, 'a');
      }
    } catch (error) {
      unlock();
      throw error;
    }
    compactAt = Math.max(compactMinBytes, journalBytes * 2);
  }

  let chain: Promise<void> = Promise.resolve();

  const snapshotLine = (): string => {
    const puts: JournalLine['puts'] = {};
    for (const [name, ns] of spaces) if (ns.committed.size > 0) puts[name] = Object.fromEntries(ns.committed);
    return encodeLine({
      seq,
      lineage: checkpoint === undefined ? undefined : lineageOf(checkpoint),
      snapshot: true,
      puts,
      deletes: {},
      checkpoint: checkpoint ?? null,
    });
  };

  const compact = async (): Promise<void> => {
    if (!dir || !file || !handle) return;
    const line = snapshotLine();
    const bytes = Buffer.byteLength(line);
    if (bytes * 2 < journalBytes) {
      const temp = `${file}.tmp-${process.pid}`;
      const out = await open(temp, 'w');
      try {
        await out.writeFile(line);
        await out.sync();
      } finally {
        await out.close();
      }
      await handle.close();
      await rename(temp, file);
      const folder = await open(dir, 'r');
      await folder.sync().catch(() => undefined); // some filesystems refuse fsync on a folder
      await folder.close();
      handle = await open(file, 'a');
      journalBytes = bytes;
    }
    compactAt = Math.max(compactMinBytes, bytes * 4, journalBytes * 2);
  };

  const doCommit = async (cp: JsonValue, upTo: number): Promise<void> => {
    const puts: JournalLine['puts'] = {};
    const deletes: JournalLine['deletes'] = {};
    for (const [name, ns] of spaces) {
      if (ns.pendingCount === 0) continue;
      let p: Record<string, JsonValue> | undefined;
      let d: Set<string> | undefined;
      ns.take(
        upTo,
        (key, value) => {
          (p ??= {})[key] = value;
          d?.delete(key);
        },
        (key) => {
          if (p) delete p[key];
          (d ??= new Set()).add(key);
        },
      );
      if (p) puts[name] = p;
      if (d && d.size > 0) deletes[name] = [...d];
    }
    seq++;
    checkpoint = cp;
    if (!handle) return;
    const text = encodeLine({ seq, lineage: lineageOf(cp), puts, deletes, checkpoint: cp });
    await handle.appendFile(text);
    if (doFsync) await handle.datasync();
    journalBytes += Buffer.byteLength(text);
    if (journalBytes > compactAt) await compact();
  };

  return {
    file,
    get checkpoint() {
      return checkpoint;
    },
    get seq() {
      return seq;
    },
    state: (namespace, tag = () => 0) => stepStateView(space(namespace), tag),
    hold(namespace, held) {
      space(namespace).held = held;
    },
    namespaces: () => [...spaces].filter(([, ns]) => ns.committed.size > 0 || ns.pendingCount > 0).map(([n]) => n),
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
        await handle?.close();
        handle = undefined;
      } finally {
        unlock();
      }
    },
  };
}

/**
 * The checkpoint journal of earlier versions (`checkpoint.jsonl`: one line per commit, `<crc32 hex> {seq, puts,
 * deletes, checkpoint, snapshot?}`), read once to migrate a project folder to the state store. Read in chunks, one
 * line at a time; a torn or garbled last line (a crash mid-append) is dropped, a bad line in the middle is an error.
 */
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { FatalError } from '../errors.js';
import type { JsonValue } from '../plugins/types.js';
import { emptyChanges, type StateBackend, type StateChanges } from './state-backend.js';

export const JOURNAL = 'checkpoint.jsonl';

interface JournalLine {
  seq: number;
  snapshot?: boolean;
  puts?: Record<string, Record<string, JsonValue>>;
  deletes?: Record<string, string[]>;
  checkpoint: JsonValue;
}

const decodeLine = (text: string): JournalLine | undefined => {
  if (text.indexOf(' ') !== 8) return undefined;
  const json = text.slice(9);
  if (parseInt(text.slice(0, 8), 16) !== crc32(json)) return undefined;
  try {
    return JSON.parse(json) as JournalLine;
  } catch {
    return undefined;
  }
};

/** The journal's valid lines, in order. */
async function* readJournal(file: string): AsyncGenerator<JournalLine> {
  const handle = await open(file, 'r');
  try {
    let rest = '';
    let torn: number | undefined; // line number of a bad line: fine only if nothing follows it
    let lineNo = 0;
    const buffer = Buffer.alloc(1 << 20);
    const decoder = new TextDecoder();
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      rest += decoder.decode(buffer.subarray(0, bytesRead), { stream: bytesRead > 0 });
      let nl: number;
      while ((nl = rest.indexOf('\n')) !== -1) {
        const raw = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        lineNo++;
        if (torn !== undefined) {
          if (raw.trim() === '') continue;
          throw corrupt(file, torn);
        }
        const line = decodeLine(raw);
        if (line) yield line;
        else torn = lineNo;
      }
      if (bytesRead === 0) break;
    }
    if (torn !== undefined && rest.trim() !== '') throw corrupt(file, torn);
    // `rest` is an incomplete last line: the append never completed.
  } finally {
    await handle.close();
  }
}

const corrupt = (file: string, line: number) =>
  new FatalError(`The checkpoint journal ${file} is corrupt in the middle (line ${line}).`, {
    code: 'CHECKPOINT_CORRUPT',
    suggestions: [
      'Run with --fresh to start over from the beginning (plugin ledgers are kept, so unchanged records are skipped).',
      `Or move ${file} away to inspect it.`,
    ],
  });

/** Folds one journal line into `acc` (a snapshot line empties every namespace `known` lists, and `acc`). */
function fold(acc: StateChanges, line: JournalLine, known: () => string[]): void {
  if (line.snapshot) {
    const names = new Set([...known(), ...acc.puts.keys()]);
    acc.puts.clear();
    acc.deletes.clear();
    for (const name of names) acc.cleared.add(name);
  }
  for (const [name, puts] of Object.entries(line.puts ?? {})) {
    let p = acc.puts.get(name);
    if (!p) acc.puts.set(name, (p = new Map()));
    const d = acc.deletes.get(name);
    for (const key in puts) {
      p.set(key, puts[key]);
      d?.delete(key);
    }
  }
  for (const [name, keys] of Object.entries(line.deletes ?? {})) {
    let d = acc.deletes.get(name);
    if (!d) acc.deletes.set(name, (d = new Set()));
    const p = acc.puts.get(name);
    for (const key of keys) {
      p?.delete(key);
      d.add(key);
    }
  }
}

const sizeOf = (acc: StateChanges): number => {
  let n = 0;
  for (const p of acc.puts.values()) n += p.size;
  for (const d of acc.deletes.values()) n += d.size;
  return n;
};

/**
 * Replays the journal into `backend`, in commits of about `chunk` keys (a journal of a million entries is never held
 * whole); `commit` is told on the last one that the journal is done. Returns false when the file does not exist.
 */
export async function replayJournal(
  file: string,
  backend: StateBackend,
  commit: (changes: StateChanges, checkpoint: JsonValue | undefined, seq: number, done: boolean) => Promise<void>,
  chunk = 50_000,
): Promise<boolean> {
  let acc = emptyChanges();
  let checkpoint: JsonValue | undefined;
  let seq = 0;
  try {
    for await (const line of readJournal(file)) {
      fold(acc, line, () => backend.namespaces());
      checkpoint = line.checkpoint;
      seq = line.seq;
      if (sizeOf(acc) >= chunk) {
        await commit(acc, checkpoint, seq, false);
        acc = emptyChanges();
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  await commit(acc, checkpoint, seq, true);
  return true;
}

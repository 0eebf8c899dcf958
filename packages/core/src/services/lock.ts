/**
 * The pipeline lock: one writer per state folder, taken atomically even when several processes race to take over the
 * lock of a run that died.
 *
 * Design (lock generations). The lock is a series of files `<name>.<n>`; the holder is whoever wrote the highest n.
 * Each file is written whole under a temporary name and `link()`ed into place (link fails with EEXIST instead of
 * replacing), so a reader never sees a half-written file. To take over, a process reads the highest generation n, and
 * only if its holder is dead or released does it link n+1. Two rules keep the highest n from ever going down: nobody
 * deletes a generation unless a higher one exists, and release replaces the holder's own file with a tombstone by
 * `rename()` (the name stays). After linking, the process lists again and holds the lock only if its generation is
 * still the highest; otherwise it removes its own file and starts over.
 *
 * Why only one process can hold it: a holder H of n saw n as the highest after its link, and the highest never goes
 * down, so a second holder needs a generation m > n linked later, by a process that read m-1 as dead or released. If
 * m-1 = n it read H's own file (H is alive and never rewrites it before release), so it would not take over; if
 * m-1 > n, that generation was created after H's check by the same rule, and so on down to n. A stale read of an
 * older file with the same name cannot slip through: that file is only deleted once a higher generation exists, so
 * the racer's link either fails with EEXIST or its re-listing sees the higher one. There is no unlink-then-create
 * window as in check-then-unlink locking, where B can delete the lock A has just created.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FatalError } from '../errors.js';

/** What a generation file holds. */
interface LockRecord {
  pid: number;
  /** Process start time (clock ticks since boot, `/proc/<pid>/stat` field 22); null where /proc is missing. */
  start: string | null;
  host: string;
  nonce: string;
  released?: boolean;
}

/** A held lock: `release()` is idempotent and synchronous (safe in exit handlers). */
export interface HeldLock {
  readonly file: string;
  readonly generation: number;
  release(): void;
}

/** Start time of a process, so a reused pid is not mistaken for the run that wrote the lock. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[22 - 3] ?? null;
  } catch {
    return null;
  }
}

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** How the recorded holder stands: on this host, dead or alive; or on another host (never taken over). */
function holderState(record: LockRecord | undefined): 'free' | 'alive' | 'foreign' {
  // Unreadable content cannot come from a live holder (files are linked in whole): only a crash of the machine leaves it.
  if (!record || record.released) return 'free';
  if (record.host !== hostname()) return 'foreign';
  if (!pidAlive(record.pid)) return 'free';
  const start = processStartTime(record.pid);
  return record.start !== null && start !== null && start !== record.start ? 'free' : 'alive';
}

const readRecord = (file: string): LockRecord | undefined => {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as LockRecord;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
};

/** Writes `content` whole to a fresh temporary file next to the lock and returns its path. */
function writeTemp(base: string, content: string): string {
  const temp = `${base}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(temp, 'wx', 0o644);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return temp;
}

/** Generation numbers present, highest first. */
function generations(dir: string, name: string): number[] {
  const pattern = new RegExp(`^${name.replace(/\./g, '\\.')}\\.(\\d+)$`);
  const found: number[] = [];
  for (const entry of readdirSync(dir)) {
    const m = pattern.exec(entry);
    if (m) found.push(Number(m[1]));
  }
  return found.sort((a, b) => b - a);
}

const removeQuietly = (file: string): void => {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
};

/** Removes generations below ours and temporary files a crash left behind (older than a minute). */
function cleanUp(dir: string, name: string, own: number): void {
  for (const n of generations(dir, name)) if (n < own) removeQuietly(join(dir, `${name}.${n}`));
  const prefix = `${name}.tmp-`;
  for (const entry of readdirSync(dir)) {
    if (!entry.startsWith(prefix)) continue;
    const file = join(dir, entry);
    try {
      if (Date.now() - statSync(file).mtimeMs > 60_000) removeQuietly(file);
    } catch {
      // already gone
    }
  }
}

function lockedError(dir: string, name: string, record: LockRecord, foreign: boolean): FatalError {
  const files = join(dir, `${name}.*`);
  return foreign
    ? new FatalError(
        `Another run of this pipeline (process ${record.pid} on host ${record.host}) holds the lock in ${dir}.`,
        {
          code: 'PIPELINE_LOCKED',
          context: { pid: record.pid, host: record.host },
          suggestions: [
            `A lock taken on another host is never taken over automatically: wait for that run to finish.`,
            `If no run is active on ${record.host}, delete ${files} and start again.`,
          ],
        },
      )
    : new FatalError(`Another run of this pipeline (process ${record.pid}) is using ${dir}.`, {
        code: 'PIPELINE_LOCKED',
        context: { pid: record.pid },
        suggestions: [`Wait for process ${record.pid} to finish, or stop it; if no such run exists, delete ${files}.`],
      });
}

/**
 * Takes the lock `<dir>/<name>.<n>` for this process, taking over from a dead or released holder. Throws
 * `FatalError` `PIPELINE_LOCKED` when a live process holds it (or one on another host: see the suggestions).
 */
export function acquireLock(dir: string, name = 'checkpoint.lock'): HeldLock {
  const me: LockRecord = {
    pid: process.pid,
    start: processStartTime(process.pid),
    host: hostname(),
    nonce: randomBytes(8).toString('hex'),
  };
  const base = join(dir, name);
  for (let attempt = 0; attempt < 200; attempt++) {
    const top = generations(dir, name)[0];
    if (top !== undefined) {
      const record = readRecord(`${base}.${top}`);
      const state = holderState(record);
      if (state !== 'free') throw lockedError(dir, name, record!, state === 'foreign');
    }
    const generation = (top ?? 0) + 1;
    const file = `${base}.${generation}`;
    const temp = writeTemp(base, JSON.stringify(me));
    try {
      linkSync(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue; // another process took this generation: look again
      throw error;
    } finally {
      removeQuietly(temp);
    }
    if (generations(dir, name)[0] !== generation) {
      // We linked a generation a slower reader still saw as free, but a higher one exists: not ours.
      removeQuietly(file);
      continue;
    }
    cleanUp(dir, name, generation);
    let released = false;
    return {
      file,
      generation,
      release() {
        if (released) return;
        released = true;
        // Replace our own file by a tombstone: deleting it could lower the highest generation (see the design note).
        const tomb = writeTemp(base, JSON.stringify({ ...me, released: true }));
        try {
          if (readRecord(file)?.nonce === me.nonce) renameSync(tomb, file);
        } finally {
          removeQuietly(tomb);
        }
      },
    };
  }
  throw new FatalError(`Could not take the lock in ${dir}: other processes kept taking it.`, {
    code: 'PIPELINE_LOCKED',
    suggestions: [`Check which runs of this pipeline are active; if none is, delete ${join(dir, `${name}.*`)}.`],
  });
}

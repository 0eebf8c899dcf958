/**
 * A running run's counters in its folder (`progress.json`), so anything that reads the run history (`etl ui`, on
 * this host or another one sharing the state folder) sees how far a run is while it runs; `summary.json` replaces it
 * as the source of truth once the run ends. The file is rewritten whole (temp file + rename: a reader never sees half
 * of it) at most once per interval, and keeps a bounded series of samples for a throughput chart.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunObserver } from '../pipeline/types.js';
import { PRIVATE_FILE_MODE } from './run-history.js';

export const PROGRESS_FILE = 'progress.json';

/** The counters of one step that progress reports (the run summary's, without durations and plugin counters). */
export interface ProgressCounts {
  /** source, transform or sink: a reader adds up what the sinks wrote. */
  kind?: string;
  read: number;
  written: number;
  rejected: number;
  unchanged: number;
  filtered: number;
}

/** One sample: when, and per step the records written (sinks) or passed on (sources, transforms) so far. */
export interface ProgressSample {
  at: string;
  written: Record<string, number>;
}

export interface RunProgress {
  updatedAt: string;
  steps: Record<string, ProgressCounts>;
  samples: ProgressSample[];
}

/** Keeps the file small on long runs: past this many samples, every other one is dropped (the chart keeps its shape). */
export const MAX_SAMPLES = 240;

export interface ProgressFileOptions {
  /** Least time between two writes; 1 s by default. */
  intervalMs?: number;
  now?: () => number;
}

export interface ProgressFile {
  /** Notes a step's counters; writes the file when the interval has passed since the last write. */
  update(step: string, counts: ProgressCounts): void;
  /** Writes what was noted now (at the run's end), once the write in flight is done. */
  flush(): Promise<void>;
  /** Resolves once no write is in flight. */
  idle(): Promise<void>;
}

/**
 * The progress writer of one run folder. `update` never throws and never waits: progress is a view, and a full disk
 * must not fail a run that its checkpoints would still carry.
 */
export function createProgressFile(runDir: string, options: ProgressFileOptions = {}): ProgressFile {
  const file = join(runDir, PROGRESS_FILE);
  const intervalMs = options.intervalMs ?? 1000;
  const now = options.now ?? Date.now;
  const steps: Record<string, ProgressCounts> = {};
  let samples: ProgressSample[] = [];
  let lastWrite = -Infinity;
  let writing: Promise<void> | undefined;

  const write = (): Promise<void> => {
    const at = now();
    lastWrite = at;
    const written = Object.fromEntries(Object.entries(steps).map(([name, c]) => [name, c.written]));
    samples.push({ at: new Date(at).toISOString(), written });
    if (samples.length > MAX_SAMPLES) samples = samples.filter((_, i) => i % 2 === 1 || i === samples.length - 1);
    const progress: RunProgress = { updatedAt: new Date(at).toISOString(), steps, samples };
    const temp = `${file}.tmp`;
    const done = writeFile(temp, `${JSON.stringify(progress)}\n`, { mode: PRIVATE_FILE_MODE })
      .then(() => rename(temp, file))
      .catch(() => undefined)
      .finally(() => {
        if (writing === done) writing = undefined;
      });
    writing = done;
    return done;
  };

  return {
    update(step, counts) {
      const { kind, read, written, rejected, unchanged, filtered } = counts;
      steps[step] = { ...(kind === undefined ? {} : { kind }), read, written, rejected, unchanged, filtered };
      if (writing || now() - lastWrite < intervalMs) return;
      // Written after the current turn, so the other steps' counters noted in the same loop go into the same sample.
      writing = Promise.resolve().then(write);
    },
    async flush() {
      while (writing) await writing;
      await write();
    },
    async idle() {
      while (writing) await writing;
    },
  };
}

/** The run's observer that keeps its progress file: the file sees the same counts as every other observer. */
export function progressObserver(file: ProgressFile): RunObserver {
  return {
    stepCounts(_run, steps) {
      for (const counts of steps) file.update(counts.step, counts);
    },
  };
}

/** A run folder's progress, or undefined when the run wrote none (yet) or the file cannot be read. */
export async function readRunProgress(runDir: string): Promise<RunProgress | undefined> {
  try {
    return JSON.parse(await readFile(join(runDir, PROGRESS_FILE), 'utf8')) as RunProgress;
  } catch {
    return undefined;
  }
}

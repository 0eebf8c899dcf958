/**
 * A running run's counters, so anything that reads the run history (`etl ui`, on this host or another one sharing the
 * state) sees how far a run is while it runs; the summary replaces them as the source of truth once the run ends. The
 * run hands them to its history store (`RunHistoryStore.progress`): the run folder's `progress.json`, and a shared
 * store's `etl_runs` row. They are sent whole at most once per interval, with a bounded series of samples for a
 * throughput chart.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE } from './private-files.js';

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

export interface ProgressTrackerOptions {
  /** Least time between two writes; 1 s by default. */
  intervalMs?: number;
  now?: () => number;
  /** Told when a write fails (the run goes on); the tracker tries again at the next interval. */
  onError?: (error: unknown) => void;
}

export interface ProgressTracker {
  /** Notes a step's counters; writes them when the interval has passed since the last write. */
  update(step: string, counts: ProgressCounts): void;
  /** Writes what was noted now (at the run's end), once the write in flight is done. */
  flush(): Promise<void>;
  /** Resolves once no write is in flight. */
  idle(): Promise<void>;
}

/**
 * One run's progress, handed to `write` (its history store). `update` never throws and never waits, and a failed
 * write is only reported: progress is a view, and a full disk or a lost database connection must not fail a run that
 * its checkpoints would still carry.
 */
export function createProgressTracker(
  write: (progress: RunProgress) => Promise<void>,
  options: ProgressTrackerOptions = {},
): ProgressTracker {
  const intervalMs = options.intervalMs ?? 1000;
  const now = options.now ?? Date.now;
  const steps: Record<string, ProgressCounts> = {};
  let samples: ProgressSample[] = [];
  let lastWrite = -Infinity;
  let writing: Promise<void> | undefined;

  const send = (): Promise<void> => {
    const at = now();
    lastWrite = at;
    const written = Object.fromEntries(Object.entries(steps).map(([name, c]) => [name, c.written]));
    samples.push({ at: new Date(at).toISOString(), written });
    if (samples.length > MAX_SAMPLES) samples = samples.filter((_, i) => i % 2 === 1 || i === samples.length - 1);
    const progress: RunProgress = { updatedAt: new Date(at).toISOString(), steps: { ...steps }, samples: [...samples] };
    const done = Promise.resolve()
      .then(() => write(progress))
      .catch((error: unknown) => options.onError?.(error))
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
      // Sent after the current turn, so the other steps' counters noted in the same loop go into the same sample.
      writing = Promise.resolve().then(send);
    },
    async flush() {
      while (writing) await writing;
      await send();
    },
    async idle() {
      while (writing) await writing;
    },
  };
}

/** Writes a run folder's `progress.json` whole (temp file + rename: a reader never sees half of it). */
export async function writeRunProgress(runDir: string, progress: RunProgress): Promise<void> {
  const file = join(runDir, PROGRESS_FILE);
  const temp = `${file}.tmp`;
  await writeFile(temp, `${JSON.stringify(progress)}\n`, { mode: PRIVATE_FILE_MODE });
  await rename(temp, file);
}

/** A run folder's progress, or undefined when the run wrote none (yet) or the file cannot be read. */
export async function readRunProgress(runDir: string): Promise<RunProgress | undefined> {
  try {
    return JSON.parse(await readFile(join(runDir, PROGRESS_FILE), 'utf8')) as RunProgress;
  } catch {
    return undefined;
  }
}

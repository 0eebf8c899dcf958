/**
 * Where runs are recorded and found (`etl run`, `etl runs`, `etl ui`): the run folders of this state folder (the
 * embedded default), or a shared store's table that every host writes (@etl/state-mysql), merged with this folder's
 * own. Callers go through this interface, so a new kind of history needs no change to them.
 */
import { join } from 'node:path';
import type { RunSummary } from '../pipeline/run-summary.js';
import { listRuns, readRun, runsDir, type RunRecord } from './run-history.js';
import { readRunProgress, writeRunProgress, type RunProgress } from './run-progress.js';

/** What a run records when it starts. */
export interface RunStartRecord {
  runId: string;
  pipeline: string;
  profile?: string;
  host: string;
  startedAt: string;
  /** The run's folder on its host (log, rejects). */
  dir: string;
}

export interface RunHistoryStore {
  start(run: RunStartRecord): Promise<void>;
  /** Records how the run ended; `summary` is already redacted. */
  finish(runId: string, summary: RunSummary): Promise<void>;
  /**
   * A running run's counters so far, replacing the last ones (the runtime sends them about once a second). A run
   * that has not `start`ed here yet is not recorded; callers ignore failures (progress is a view).
   */
  progress(runId: string, progress: RunProgress): Promise<void>;
  /** Runs, newest first, optionally of one pipeline; runs without a summary carry their last `progress`. */
  list(pipeline?: string): Promise<RunRecord[]>;
  /** One run, with its last `progress` whether it finished or not (its samples draw a throughput chart). */
  get(runId: string): Promise<RunRecord | undefined>;
}

/**
 * The run folders of `stateDir`. The runtime writes a run's `run.json` and `summary.json` itself (they exist before
 * and after any store), so start/finish do nothing here; progress goes to the folder's `progress.json`.
 */
export function folderRunHistory(stateDir: string): RunHistoryStore {
  return {
    start: () => Promise.resolve(),
    finish: () => Promise.resolve(),
    progress: (runId, progress) => writeRunProgress(join(runsDir(stateDir), runId), progress),
    list: async (pipeline) =>
      Promise.all((await listRuns(stateDir, pipeline)).map((run) => (run.summary ? run : withProgress(run)))),
    get: async (runId) => {
      const run = await readRun(stateDir, runId);
      return run && withProgress(run);
    },
  };
}

async function withProgress(run: RunRecord): Promise<RunRecord> {
  const progress = await readRunProgress(run.dir);
  return progress ? { ...run, progress } : run;
}

/**
 * This folder's runs and a shared store's, newest first: the shared record wins for a run in both (it knows every
 * host); runs from before the store was set up are still listed from their folders.
 */
export function mergedRunHistory(local: RunHistoryStore, shared: RunHistoryStore): RunHistoryStore {
  return {
    start: (run) => shared.start(run),
    finish: (runId, summary) => shared.finish(runId, summary),
    // Both: the folder's file is what this host reads when the shared store is down; both are tried whatever fails.
    async progress(runId, progress) {
      const [mine, theirs] = await Promise.allSettled([
        local.progress(runId, progress),
        shared.progress(runId, progress),
      ]);
      for (const result of [mine, theirs]) if (result.status === 'rejected') throw result.reason;
    },
    async list(pipeline) {
      const [mine, all] = await Promise.all([local.list(pipeline), shared.list(pipeline)]);
      const byId = new Map(mine.map((run) => [run.runId, run]));
      for (const run of all) byId.set(run.runId, { ...byId.get(run.runId), ...run });
      return [...byId.values()].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
    },
    async get(runId) {
      const [mine, theirs] = await Promise.all([local.get(runId), shared.get(runId)]);
      return mine || theirs ? ({ ...mine, ...theirs } as RunRecord) : undefined;
    },
  };
}

/**
 * Where `etl runs` finds runs: the run folders of this state folder (the embedded default), or a shared store's
 * table that every host writes (@etl/state-mysql), merged with this folder's own. Callers that list runs go through
 * this interface, so a new kind of history (or a UI over it) needs no change to them.
 */
import type { RunSummary } from '../pipeline/run-summary.js';
import { listRuns, readRun, type RunRecord } from './run-history.js';

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
  /** Runs, newest first, optionally of one pipeline. */
  list(pipeline?: string): Promise<RunRecord[]>;
  get(runId: string): Promise<RunRecord | undefined>;
}

/** The run folders of `stateDir`; the runtime writes them itself (run.json, summary.json), so start/finish do nothing. */
export function folderRunHistory(stateDir: string): RunHistoryStore {
  return {
    start: () => Promise.resolve(),
    finish: () => Promise.resolve(),
    list: (pipeline) => listRuns(stateDir, pipeline),
    get: (runId) => readRun(stateDir, runId),
  };
}

/**
 * This folder's runs and a shared store's, newest first: the shared record wins for a run in both (it knows every
 * host); runs from before the store was set up are still listed from their folders.
 */
export function mergedRunHistory(local: RunHistoryStore, shared: RunHistoryStore): RunHistoryStore {
  return {
    start: (run) => shared.start(run),
    finish: (runId, summary) => shared.finish(runId, summary),
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

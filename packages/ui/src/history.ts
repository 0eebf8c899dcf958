/**
 * The run history as the dashboard shows it: the run folders `etl run` writes (`run.json`, `progress.json`,
 * `summary.json`), read on every request. Runs on other hosts or workers appear as long as they share the state
 * folder: everything a run reports goes through these files.
 */
import { hostname } from 'node:os';
import { listRuns, readRun, readRunProgress, type RunProgress, type RunRecord, type RunSummary } from '@etl/core';

/** `unfinished` split in two: a run still running, and one that stopped without a summary (killed). */
export type RunState = RunSummary['status'] | 'running' | 'unfinished';

/** A progress file older than this, of a run on another host, means that run is gone. */
const STALE_PROGRESS_MS = 60_000;

export interface ListedRun {
  runId: string;
  pipeline: string;
  profile?: string;
  status: RunState;
  startedAt: string;
  durationMs?: number;
  read?: number;
  written?: number;
  rejected?: number;
  dryRun: boolean;
  upToDate: boolean;
}

export interface RunDetail extends ListedRun {
  summary?: RunSummary;
  progress?: RunProgress;
  /** Started by this dashboard and still running: the dashboard can ask it to stop. */
  stoppable: boolean;
}

export interface RunFilter {
  pipeline?: string;
  status?: string;
}

export async function listRunsFor(stateDir: string, filter: RunFilter = {}): Promise<ListedRun[]> {
  const runs = await listRuns(stateDir, filter.pipeline || undefined);
  const listed = await Promise.all(runs.map(async (run) => describe(run, await liveProgress(run))));
  return filter.status ? listed.filter((r) => r.status === filter.status) : listed;
}

/** `ownsProcess`: whether a pid is a run this dashboard started (only those it may stop). */
export async function runDetail(
  stateDir: string,
  runId: string,
  ownsProcess: (pid: number) => boolean = () => false,
): Promise<RunDetail | undefined> {
  if (!isRunId(runId)) return undefined;
  const run = await readRun(stateDir, runId);
  if (!run) return undefined;
  const progress = await readRunProgress(run.dir);
  const listed = describe(run, run.summary ? undefined : progress);
  return {
    ...listed,
    summary: run.summary,
    progress,
    stoppable: listed.status === 'running' && isLocal(run) && ownsProcess(run.pid!),
  };
}

/** Run ids are folder names: `20261128-205034-ab12`. Anything else could walk out of the runs folder. */
export const isRunId = (id: string): boolean => /^\d{8}-\d{6}-[0-9a-f]{4}$/.test(id);

async function liveProgress(run: RunRecord): Promise<RunProgress | undefined> {
  return run.summary ? undefined : readRunProgress(run.dir);
}

function describe(run: RunRecord, progress: RunProgress | undefined): ListedRun {
  const s = run.summary;
  const base = {
    runId: run.runId,
    pipeline: run.pipeline,
    startedAt: run.startedAt,
    dryRun: s?.dryRun ?? false,
    upToDate: s?.upToDate ?? false,
  };
  if (s) {
    const source = s.steps.find((step) => step.kind === 'source');
    return {
      ...base,
      profile: s.profile,
      status: s.status,
      durationMs: s.durationMs,
      read: source?.read ?? 0,
      written: s.steps.filter((step) => step.kind === 'sink').reduce((n, step) => n + step.written, 0),
      rejected: s.steps.reduce((n, step) => n + step.rejected, 0),
    };
  }
  const counts = progress ? Object.values(progress.steps) : [];
  return {
    ...base,
    status: isRunning(run, progress) ? 'running' : 'unfinished',
    durationMs: progress ? Date.parse(progress.updatedAt) - Date.parse(run.startedAt) : undefined,
    read: (counts.find((c) => c.kind === 'source') ?? counts[0])?.read,
    written: progress ? counts.filter((c) => c.kind === 'sink').reduce((n, c) => n + c.written, 0) : undefined,
    rejected: progress ? counts.reduce((n, c) => n + c.rejected, 0) : undefined,
  };
}

/** On this host the process tells; elsewhere (a worker sharing the state folder) a recent progress file does. */
function isRunning(run: RunRecord, progress: RunProgress | undefined): boolean {
  if (isLocal(run)) return processAlive(run.pid!);
  const seen = progress ? Date.parse(progress.updatedAt) : Date.parse(run.startedAt);
  return Date.now() - seen < STALE_PROGRESS_MS;
}

const isLocal = (run: RunRecord): boolean => run.pid !== undefined && run.host === hostname();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

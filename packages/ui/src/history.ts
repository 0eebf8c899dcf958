/**
 * The run history as the dashboard shows it, read on every request through the project's history store: the run
 * folders `etl run` writes (`run.json`, `progress.json`, `summary.json`), merged with a shared store's `etl_runs`
 * (every host's runs and their progress) when `ETL_STATE_URL` is set, as `etl runs` lists them.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { RunHistoryStore, RunProgress, RunRecord, RunSummary } from '@etl/core';

/** `unfinished` split in two: a run still running, and one that stopped without a summary (killed). */
export type RunState = RunSummary['status'] | 'running' | 'unfinished';

/** Progress older than this, of a run this host cannot ask about its process, means that run is gone. */
const STALE_PROGRESS_MS = 60_000;

export interface ListedRun {
  runId: string;
  pipeline: string;
  profile?: string;
  status: RunState;
  startedAt: string;
  /** The host that ran it (unknown for runs recorded before hosts were). */
  host?: string;
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
  /** Set when the run's folder (log, rejects) is not on this machine: the host that has it. */
  filesOn?: string;
}

export interface RunFilter {
  pipeline?: string;
  status?: string;
}

export async function listRunsFor(history: RunHistoryStore, filter: RunFilter = {}): Promise<ListedRun[]> {
  const runs = await history.list(filter.pipeline || undefined);
  const listed = runs.map((run) => describe(run, run.summary ? undefined : run.progress));
  return filter.status ? listed.filter((r) => r.status === filter.status) : listed;
}

export interface DetailOptions {
  /** This project's state folder: its run folders are readable here whatever host wrote them. */
  stateDir: string;
  /** Whether a pid is a run this dashboard started (only those it may stop). */
  ownsProcess?: (pid: number) => boolean;
}

export async function runDetail(
  history: RunHistoryStore,
  runId: string,
  { stateDir, ownsProcess = () => false }: DetailOptions,
): Promise<RunDetail | undefined> {
  if (!isRunId(runId)) return undefined;
  const run = await history.get(runId);
  if (!run) return undefined;
  const listed = describe(run, run.summary ? undefined : run.progress);
  return {
    ...listed,
    summary: run.summary,
    progress: run.progress,
    stoppable: listed.status === 'running' && isLocal(run) && ownsProcess(run.pid!),
    ...(localRunDir(run, stateDir) ? {} : { filesOn: run.host ?? 'another host' }),
  };
}

/**
 * The run's folder when this machine has it: in this state folder (whatever host wrote it, for a folder shared over
 * the network), or where a run of this host recorded it (another project folder). Only a `…/runs/<runId>` path
 * counts: a shared store's `dir` is another process's word, and the dashboard reads no other file it names.
 */
export function localRunDir(run: Pick<RunRecord, 'runId' | 'dir' | 'host'>, stateDir: string): string | undefined {
  const inStateDir = join(resolve(stateDir), 'runs', run.runId);
  if (existsSync(inStateDir)) return inStateDir;
  if (!run.dir || (run.host !== undefined && run.host !== hostname())) return undefined;
  const dir = resolve(run.dir);
  if (basename(dir) !== run.runId || basename(dirname(dir)) !== 'runs') return undefined;
  return existsSync(dir) ? dir : undefined;
}

/** Run ids are folder names: `20261128-205034-ab12`. Anything else could walk out of the runs folder. */
export const isRunId = (id: string): boolean => /^\d{8}-\d{6}-[0-9a-f]{4}$/.test(id);

function describe(run: RunRecord, progress: RunProgress | undefined): ListedRun {
  const s = run.summary;
  const base = {
    runId: run.runId,
    pipeline: run.pipeline,
    startedAt: run.startedAt,
    ...(run.host === undefined ? {} : { host: run.host }),
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

/** On this host the process tells; for a run elsewhere (another host, another project folder) recent progress does. */
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

import { randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { readdir, readFile, writeFile, rename } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '../pipeline/run-summary.js';
import type { Rejection } from '../plugins/types.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-files.js';
import type { RunProgress } from './run-progress.js';

/** Where one run keeps its files: `<stateDir>/runs/<runId>/`. */
export interface RunFolder {
  runId: string;
  dir: string;
  summaryFile: string;
  logFile: string;
  rejectsFile: string;
  artifactsDir: string;
}

/** A run as `etl runs` lists it. A run that never wrote its summary (killed) shows as `unfinished`. */
export interface RunRecord {
  runId: string;
  pipeline: string;
  status: RunSummary['status'] | 'unfinished';
  startedAt: string;
  finishedAt?: string;
  /** The host that ran it (runs recorded before hosts were, in a folder: unknown). */
  host?: string;
  /** The run's folder, on `host`. */
  dir: string;
  summary?: RunSummary;
  /** The process running it, from `run.json` (what `etl ui` sends SIGINT to when it started the run). */
  pid?: number;
  /** Its counters as the run last reported them (`list` gives them only for runs without a summary). */
  progress?: RunProgress;
}

/** `20261128-205034-ab12`: UTC time of the start, then random hex, so names sort by time. */
export function newRunId(now: number = Date.now()): string {
  const iso = new Date(now).toISOString(); // 2026-11-28T20:50:34.123Z
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${randomBytes(2).toString('hex')}`;
}

export const runsDir = (stateDir: string): string => join(stateDir, 'runs');
/** `<stateDir>/pipelines/<pipeline>`: checkpoints, caches and sessions that outlive runs. */
export const pipelineStateDir = (stateDir: string, pipeline: string): string => join(stateDir, 'pipelines', pipeline);

export { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-files.js';

/** Creates the run's folder and its `run.json` marker (so a killed run still shows up in `etl runs`). */
export async function createRunFolder(
  stateDir: string,
  pipeline: string,
  now: number = Date.now(),
): Promise<RunFolder> {
  const runId = newRunId(now);
  const dir = join(runsDir(stateDir), runId);
  const artifactsDir = join(dir, 'artifacts');
  mkdirSync(artifactsDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  // `mode` only applies to folders mkdir creates: `runs/` may predate this version.
  for (const folder of [runsDir(stateDir), dir, artifactsDir]) chmodSync(folder, PRIVATE_DIR_MODE);
  await writeFile(
    join(dir, 'run.json'),
    `${JSON.stringify({ runId, pipeline, startedAt: new Date(now).toISOString(), pid: process.pid, host: hostname() })}\n`,
    { mode: PRIVATE_FILE_MODE },
  );
  return {
    runId,
    dir,
    artifactsDir,
    summaryFile: join(dir, 'summary.json'),
    logFile: join(dir, 'run.log'),
    rejectsFile: join(dir, 'rejects.jsonl'),
  };
}

/** Writes `summary.json` atomically (temp file + rename), so a reader never sees half a summary. */
export async function writeRunSummary(folder: RunFolder, summaryJson: string): Promise<void> {
  const temp = `${folder.summaryFile}.tmp`;
  await writeFile(temp, summaryJson.endsWith('\n') ? summaryJson : `${summaryJson}\n`, { mode: PRIVATE_FILE_MODE });
  await rename(temp, folder.summaryFile);
}

/** Reads one run's summary (or its start marker when it never finished); undefined when there is no such run. */
export async function readRun(stateDir: string, runId: string): Promise<RunRecord | undefined> {
  const dir = join(runsDir(stateDir), runId);
  const summary = await readJson<RunSummary>(join(dir, 'summary.json'));
  const marker = await readJson<{ pipeline: string; startedAt: string; host?: string; pid?: number }>(
    join(dir, 'run.json'),
  );
  const host = marker?.host === undefined ? {} : { host: marker.host };
  if (summary) {
    return {
      runId,
      pipeline: summary.pipeline,
      status: summary.status,
      startedAt: summary.startedAt,
      finishedAt: summary.finishedAt,
      ...host,
      dir,
      summary,
    };
  }
  if (!marker) return undefined;
  const pid = marker.pid === undefined ? {} : { pid: marker.pid };
  return { runId, pipeline: marker.pipeline, status: 'unfinished', startedAt: marker.startedAt, ...host, ...pid, dir };
}

/** Runs in `stateDir`, newest first, optionally only those of one pipeline. */
export async function listRuns(stateDir: string, pipeline?: string): Promise<RunRecord[]> {
  const names = await readdir(runsDir(stateDir)).catch(() => [] as string[]);
  const runs: RunRecord[] = [];
  for (const name of names.sort().reverse()) {
    const run = await readRun(stateDir, name);
    if (run && (pipeline === undefined || run.pipeline === pipeline)) runs.push(run);
  }
  return runs;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** One line per rejected record: `{step, location, reason, record}`, redacted like the log. */
export interface RejectsWriter {
  write(step: string, rejection: Rejection): void;
  readonly count: number;
  close(): Promise<void>;
}

export function createRejectsWriter(file: string, redact: (text: string) => string = (t) => t): RejectsWriter {
  let stream: WriteStream | undefined;
  let count = 0;
  return {
    write(step, r) {
      stream ??= createWriteStream(file, { flags: 'a', mode: PRIVATE_FILE_MODE });
      count++;
      let line: string;
      try {
        line = JSON.stringify({ step, location: r.location, reason: r.reason, record: r.record });
      } catch {
        line = JSON.stringify({ step, location: r.location, reason: r.reason, record: String(r.record) });
      }
      stream.write(`${redact(line)}\n`);
    },
    get count() {
      return count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!stream) return resolve();
        stream.end(() => resolve());
      }),
  };
}

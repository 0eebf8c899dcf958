/**
 * `etl ui` over a shared state store (real MariaDB, a database of this file's own): two project folders point at one
 * ETL_STATE_URL, as two hosts would. A paced sandbox run in folder A (a real `etl run --sandbox` child process) shows
 * in the API of `etl ui` started in folder B (a real CLI process, over HTTP) as running with growing counts, read
 * from the store's progress, then finished with the counts of its summary.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '@etl/core';
import { localRunDir, type ListedRun, type RunDetail } from '@etl/ui';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { buildOnce } from '../../../test/helpers/build.js';
import { cliBin } from '../../../test/helpers/paths.js';
import { startUi } from './start-ui.js';

const MYSQL_SERVER = process.env.ETL_TEST_MYSQL ?? 'mysql://root@127.0.0.1:3306';
const database = `etl_ui_test_${randomBytes(4).toString('hex')}`;
const workDir = mkdtempSync(join(tmpdir(), 'etl-ui-shared-'));
const folderA = join(workDir, 'a');
const folderB = join(workDir, 'b');
// The runs see none of the developer's credentials (the sandbox provides HubSpot's) and share one store.
const env = { ...process.env, HOME: workDir, ETL_UI_TOKEN: '', ETL_STATE_URL: `${MYSQL_SERVER}/${database}` };
const WAIT = { timeout: 30_000, interval: 200 };

let ui: ChildProcess | undefined;
let url: string;

/** `etl run paced --profile demo --sandbox` in folder A; resolves with its exit code. */
function runInFolderA(): Promise<number | null> {
  const run = spawn(
    process.execPath,
    [cliBin, 'run', 'paced', '--profile', 'demo', '--sandbox', '--log-level', 'warn'],
    {
      cwd: folderA,
      env,
      stdio: 'ignore',
    },
  );
  return new Promise((resolve) => run.once('exit', resolve));
}

async function get<T>(path: string): Promise<T> {
  const response = await fetch(new URL(path, url));
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

beforeAll(async () => {
  await buildOnce(['packages/cli'], ['packages/cli/dist/commands/ui.js', 'packages/state-mysql/dist/index.js']);
  for (const folder of [folderA, folderB]) cpSync(join(import.meta.dirname, 'fixtures'), folder, { recursive: true });
  const started = startUi(folderB, env);
  ui = started.ui;
  url = await started.url;
});

afterAll(async () => {
  if (ui?.exitCode === null) {
    const exited = new Promise((resolve) => ui!.once('exit', resolve));
    ui.kill('SIGINT');
    await exited;
  }
  const connection = await mysql.createConnection(MYSQL_SERVER);
  await connection.query(`DROP DATABASE IF EXISTS \`${database}\``).finally(() => connection.end());
  await rm(workDir, { recursive: true, force: true });
});

describe('etl ui with a shared state store', () => {
  test("a run in another project folder shows live from the store's progress, then finished", async () => {
    const exit = runInFolderA();
    const running = async (): Promise<ListedRun> => {
      const { runs } = await get<{ runs: ListedRun[] }>('/api/runs?status=running');
      expect(runs[0]?.written).toBeGreaterThan(0);
      return runs[0]!;
    };
    const first = await vi.waitFor(running, WAIT);
    expect(first).toMatchObject({ pipeline: 'paced', host: hostname() });
    // Counts grow while it runs: B reads them from the store, A's folder is not B's.
    const later = await vi.waitFor(async () => {
      const run = await running();
      expect(run.written).toBeGreaterThan(first.written!);
      return run;
    }, WAIT);
    expect(later.runId).toBe(first.runId);

    expect(await exit).toBe(0);
    const summary = JSON.parse(
      readFileSync(join(folderA, '.etl', 'runs', first.runId, 'summary.json'), 'utf8'),
    ) as RunSummary;
    const sink = summary.steps.find((s) => s.step === 'hubspot')!;
    expect(sink.written).toBeGreaterThan(later.written!);
    const done = await vi.waitFor(async () => {
      const run = await get<RunDetail>(`/api/runs/${first.runId}`);
      expect(run.status).toBe('succeeded');
      return run;
    }, WAIT);
    expect(done).toMatchObject({
      host: hostname(),
      read: summary.steps.find((s) => s.kind === 'source')!.read,
      written: sink.written,
      rejected: summary.steps.reduce((n, s) => n + s.rejected, 0),
    });
    expect(done.progress?.samples.length).toBeGreaterThan(1); // the throughput chart's points, from the store
    expect(done.filesOn).toBeUndefined(); // same machine: A's run folder is readable from B's dashboard
    const rejects = await get<{ total: number }>(`/api/runs/${first.runId}/rejects`);
    expect(rejects.total).toBe(16);
  });

  test('a run folder another host recorded is not read here, nor a path that is no run folder', () => {
    const runId = '20261130-080000-abcd';
    const dir = join(folderA, '.etl', 'runs', runId);
    mkdirSync(dir, { recursive: true });
    const stateB = join(folderB, '.etl');
    expect(localRunDir({ runId, dir, host: hostname() }, stateB)).toBe(dir);
    expect(localRunDir({ runId, dir, host: 'worker-7' }, stateB)).toBeUndefined();
    expect(localRunDir({ runId, dir: folderA, host: hostname() }, stateB)).toBeUndefined();
  });
});

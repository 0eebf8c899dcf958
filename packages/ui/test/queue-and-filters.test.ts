/**
 * `etl ui` as a real CLI process over HTTP, with workers configured (`REDIS_URL`): a start from the dashboard goes
 * onto the BullMQ queue instead of spawning a run; the runs list filters by pipeline and by status; a failed run's
 * page carries its error and suggestions.
 */
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ListedRun, RunDetail } from '@etl/ui';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RunQueue, redisTarget } from '../../queue/src/index.js';
import { buildOnce } from '../../../test/helpers/build.js';
import { startUi } from './start-ui.js';

const workDir = mkdtempSync(join(tmpdir(), 'etl-ui-queue-'));
const redis = {
  REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  ETL_REDIS_PREFIX: `etl-test-ui-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
};
let ui: ChildProcess | undefined;
let url: string;
let queue: RunQueue;

/** A finished run as the runtime leaves it in the state folder. */
function writeRun(runId: string, pipeline: string, status: 'succeeded' | 'failed'): void {
  const dir = join(workDir, '.etl', 'runs', runId);
  mkdirSync(dir, { recursive: true });
  const startedAt = `${runId.slice(0, 4)}-${runId.slice(4, 6)}-${runId.slice(6, 8)}T10:00:00.000Z`;
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ runId, pipeline, startedAt }));
  const error =
    status === 'failed'
      ? {
          code: 'HUBSPOT_UNAUTHORIZED',
          message: 'HubSpot refused the access token (401).',
          exitCode: 5,
          suggestions: ['Check HUBSPOT_ACCESS_TOKEN: a private app token starts with pat-.'],
        }
      : undefined;
  const summary = { runId, pipeline, profile: 'demo', status, resumed: false, dryRun: false, startedAt };
  writeFileSync(
    join(dir, 'summary.json'),
    JSON.stringify({ ...summary, finishedAt: startedAt, durationMs: 1000, steps: [], error }),
  );
}

async function get<T>(path: string): Promise<T> {
  const response = await fetch(new URL(path, url));
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

beforeAll(async () => {
  await buildOnce(['packages/cli'], ['packages/cli/dist/commands/ui.js']);
  cpSync(join(import.meta.dirname, 'fixtures'), workDir, { recursive: true });
  writeRun('20261130-100000-aaaa', 'paced', 'failed');
  writeRun('20261130-100100-bbbb', 'paced', 'succeeded');
  writeRun('20261130-100200-cccc', 'other', 'succeeded');
  queue = await new RunQueue(redisTarget(redis)).ready();
  const env = { ...process.env, HOME: workDir, ETL_UI_TOKEN: '', ...redis };
  const started = startUi(workDir, env);
  ui = started.ui;
  url = await started.url;
}, 600_000);

afterAll(async () => {
  ui?.kill('SIGINT');
  await queue?.queue.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await rm(workDir, { recursive: true, force: true });
});

test('the runs list filters by pipeline and by status; a failed run shows its error and suggestions', async () => {
  const ids = (runs: ListedRun[]) => runs.map((r) => r.runId).sort();
  expect(ids((await get<{ runs: ListedRun[] }>('/api/runs')).runs)).toHaveLength(3);
  expect(ids((await get<{ runs: ListedRun[] }>('/api/runs?pipeline=paced')).runs)).toEqual([
    '20261130-100000-aaaa',
    '20261130-100100-bbbb',
  ]);
  expect(ids((await get<{ runs: ListedRun[] }>('/api/runs?status=failed')).runs)).toEqual(['20261130-100000-aaaa']);
  const failed = await get<RunDetail>('/api/runs/20261130-100000-aaaa');
  expect(failed.summary?.error).toMatchObject({ code: 'HUBSPOT_UNAUTHORIZED', exitCode: 5 });
  expect(failed.summary?.error?.suggestions).toEqual([
    'Check HUBSPOT_ACCESS_TOKEN: a private app token starts with pat-.',
  ]);
});

test('with REDIS_URL set, a start from the dashboard is queued for the workers, not run by the server', async () => {
  const response = await fetch(new URL('/api/runs', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pipeline: 'paced', profile: 'demo' }),
  });
  expect(response.status).toBe(202);
  const launch = (await response.json()) as { jobId?: string; pid?: number };
  expect(launch.jobId).toBeTruthy();
  expect(launch.pid).toBeUndefined();
  const job = await queue.queue.getJob(launch.jobId!);
  expect(job?.data).toMatchObject({ pipeline: 'paced', profile: 'demo' });
  expect((await queue.jobCounts()).waiting).toBe(1);
});

/**
 * The queue and worker wiring against the Redis on 127.0.0.1:6379 (REDIS_URL), with a stand-in for the run itself:
 * results travel back to `enqueueAndWait`, a run stopped by the worker goes back to the queue, a run blocked by the
 * pipeline lock is tried again, schedules are added, listed and removed. Each test has its own key prefix.
 * (Real runs, SIGKILLed workers and shared limits: test/reliability/workers.test.ts.)
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import {
  DEFAULT_REDIS_URL,
  RunQueue,
  startRunWorker,
  type RunJobData,
  type RunJobResult,
  type RunWorker,
  type RunWorkerOptions,
} from '../src/index.js';

const url = process.env.REDIS_URL || DEFAULT_REDIS_URL;
const prefixes: string[] = [];
const open: Array<{ close(): Promise<void> } | RunWorker> = [];

function world() {
  const prefix = `etl-test-queue-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  prefixes.push(prefix);
  const queue = new RunQueue({ url, prefix });
  open.push(queue);
  const worker = async (run: RunWorkerOptions['run'], events: string[] = []) => {
    const w = await startRunWorker({ url, prefix, run, onEvent: (e) => events.push(e.type) });
    open.push(w);
    return w;
  };
  return { queue, worker };
}

const ok = (data: RunJobData, extra: Partial<RunJobResult> = {}): RunJobResult => ({
  pipeline: data.pipeline,
  runId: 'r1',
  status: 'succeeded',
  exitCode: 0,
  ...extra,
});

afterEach(async () => {
  for (const item of open.splice(0).reverse()) await ('stop' in item ? item.stop() : item.close());
});

afterAll(async () => {
  const redis = new Redis(url);
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await redis.quit();
});

describe('the run queue', () => {
  test("enqueueAndWait resolves with the worker's result; the job carries the pipeline, profile and --set values", async () => {
    const { queue, worker } = world();
    const seen: RunJobData[] = [];
    await worker(async (data) => (seen.push(data), ok(data, { exitCode: 8, status: 'succeeded' })));
    const result = await (await queue.ready()).enqueueAndWait({ pipeline: 'p', profile: 'demo', sets: ['a=1'] });
    expect(result).toEqual({ pipeline: 'p', runId: 'r1', status: 'succeeded', exitCode: 8 });
    expect(seen).toEqual([{ pipeline: 'p', profile: 'demo', sets: ['a=1'] }]);
  });

  test('a worker stopped mid-run interrupts it with SIGTERM and puts the job back; the next worker finishes it', async () => {
    const { queue, worker } = world();
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const events: string[] = [];
    const first = await worker(async (data, signal) => {
      started();
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      expect(signal.reason).toBe('SIGTERM');
      return ok(data, { status: 'interrupted', exitCode: 143 });
    }, events);
    const waiting = queue.enqueueAndWait({ pipeline: 'p' });
    await running;
    await first.stop();
    expect(events).toEqual(['started', 'requeued']);
    await worker(async (data) => ok(data, { runId: 'r2' }));
    expect(await waiting).toMatchObject({ runId: 'r2', status: 'succeeded', exitCode: 0 });
  });

  test('a run blocked by the pipeline lock is tried again, not ended', async () => {
    const { queue, worker } = world();
    let tries = 0;
    await worker(async (data) =>
      ++tries === 1
        ? { ...ok(data, { status: 'failed', exitCode: 5 }), code: 'PIPELINE_LOCKED' }
        : ok(data, { upToDate: true }),
    );
    const result = await queue.enqueueAndWait({ pipeline: 'p' });
    expect(tries).toBe(2);
    expect(result).toMatchObject({ status: 'succeeded', upToDate: true, exitCode: 0 });
  });

  test('schedules: added with cron and time zone, listed, replaced by id, removed', async () => {
    const { queue } = world();
    await queue.addSchedule('nightly', '0 2 * * *', { pipeline: 'p', profile: 'demo' }, 'Europe/Paris');
    await queue.addSchedule('nightly', '0 3 * * *', { pipeline: 'p', profile: 'demo' }, 'Europe/Paris');
    const list = await queue.listSchedules();
    expect(list).toEqual([
      expect.objectContaining({
        id: 'nightly',
        cron: '0 3 * * *',
        tz: 'Europe/Paris',
        data: { pipeline: 'p', profile: 'demo' },
      }),
    ]);
    expect(list[0].next).toBeGreaterThan(Date.now());
    expect(await queue.removeSchedule('nightly')).toBe(true);
    expect(await queue.listSchedules()).toEqual([]);
  });

  test('an unreachable Redis is a fatal error naming the URL without its password', async () => {
    const queue = new RunQueue({ url: 'redis://:hunter2@127.0.0.1:1', prefix: 'x' });
    const error = await queue.ready(1000).then(
      () => undefined,
      (e: { code?: string; message: string }) => e,
    );
    expect(error?.code).toBe('REDIS_UNREACHABLE');
    expect(error?.message).toContain('127.0.0.1:1');
    expect(error?.message).not.toContain('hunter2');
    await queue.close().catch(() => undefined);
  });
});

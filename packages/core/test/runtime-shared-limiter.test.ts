/**
 * The seam for limiters shared across processes: `store:` and `key:` on a named limiter, and the store the run is
 * given (`limiterStores`). The Redis store itself is tested in @etl/queue.
 */
import { describe, expect, test } from 'vitest';
import { defineSink, runPipeline, type SharedAcquire, type SharedLimiterStore, type SinkPlugin } from '@etl/core';
import { memorySource, numberedRecords, resolvedPipeline, tempDir } from '@etl/testing';
import { check } from './config-helpers.js';

const env = { ETL_TEST_PASSWORD: 'hunter2', ETL_TEST_RATE_MAX: '42' };

const sink = defineSink({
  name: 'paced',
  configSchema: { type: 'object', properties: {} },
  destination: () => ({ id: 'memory:paced' }),
  async write(ctx, _config, batch) {
    for (const _ of batch.records) await ctx.limiter()!.schedule(async () => undefined);
    return { written: batch.records.length };
  },
});

/** A store that grants everything and notes what it was asked, and how many grants were released. */
function fakeStore(): SharedLimiterStore & { asked: SharedAcquire[]; released: number } {
  const store = {
    asked: [] as SharedAcquire[],
    released: 0,
    async acquire(request: SharedAcquire) {
      store.asked.push(request);
      return { release: () => void store.released++ };
    },
  };
  return store;
}

const pipeline = (spec: Record<string, unknown>) =>
  resolvedPipeline(
    'shared',
    {
      src: { plugin: memorySource(numberedRecords(5)) },
      out: { plugin: sink as SinkPlugin, input: 'src', limiter: 'api' },
    },
    { limiters: { api: { max: 10, intervalMs: 1000, ...spec } } },
  );

describe('a limiter kept in a shared store', () => {
  test('`store` and `key` pass validation; another store name does not', async () => {
    const good = await check('pipelines/good.yaml', {
      env,
      sets: ['limiters.api.store=redis', 'limiters.api.key=portal-1'],
    });
    expect(good.issues).toEqual([]);
    expect(good.pipeline.limiters.api).toMatchObject({ store: 'redis', key: 'portal-1' });
    const bad = await check('pipelines/good.yaml', { env, sets: ['limiters.api.store=mongo'] });
    expect(bad.lines).toEqual(['--set limiters.api.store: must be one of: "memory", "redis"']);
  });

  test('every request takes its start from the store under the key (the limiter name by default), then releases it', async () => {
    const store = fakeStore();
    const summary = await runPipeline(pipeline({ store: 'redis', daily: 99 }), {
      stateDir: tempDir(),
      limiterStores: { redis: store },
    });
    expect(summary.status).toBe('succeeded');
    expect(store.asked.length).toBe(5);
    expect(store.asked[0]).toMatchObject({ key: 'api', max: 10, weight: 1, daily: 99 });
    // The store gets the window with the limiter's safety margin, as the in-memory log uses.
    expect(store.asked[0].windowMs).toBeCloseTo(1030);
    expect(store.released).toBe(5);
  });

  test('a spent shared day ends the run as "retries exhausted", to be resumed after the reset', async () => {
    const resetsAt = Date.UTC(2031, 0, 2);
    const store: SharedLimiterStore = { acquire: async () => ({ dailyResetsAt: resetsAt }) };
    const summary = await runPipeline(pipeline({ store: 'redis', key: 'portal-1', daily: 5 }), {
      stateDir: tempDir(),
      limiterStores: { redis: store },
    });
    expect(summary.status).toBe('failed');
    expect(summary.error).toMatchObject({ code: 'DAILY_BUDGET_SPENT', exitCode: 6 });
    expect(summary.error?.message).toContain('2031-01-02T00:00:00.000Z');
  });

  test('a store the run was not given is a fatal error that says how to give it', async () => {
    const summary = await runPipeline(pipeline({ store: 'redis' }), { stateDir: tempDir() });
    expect(summary.status).toBe('failed');
    expect(summary.error).toMatchObject({ code: 'LIMITER_STORE_MISSING' });
  });

  test('without `store` the in-memory limiter serves as before, and no store is asked', async () => {
    const store = fakeStore();
    const summary = await runPipeline(pipeline({}), { stateDir: tempDir(), limiterStores: { redis: store } });
    expect(summary.status).toBe('succeeded');
    expect(store.asked).toEqual([]);
  });
});

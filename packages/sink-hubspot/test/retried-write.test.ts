/**
 * A write the runtime retries (the client itself never retries): chunks HubSpot acknowledged before the failure are
 * not sent again and still count as written, `limit` counts the records of the write once however often it is
 * tried, and a chunk that keeps failing is sent once per attempt of the one retry budget, never attempts × retries.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRateLimiter, RetriableError, RetriesExhaustedError, type RateLimiter, type SinkBatch } from '@etl/core';
import { startHubspotSandbox, type HubspotSandbox } from '@etl/sandbox';
import hubspotSink from '@etl/sink-hubspot';
import { closeContexts, testContext } from './helpers/context.js';
import { babyNamesConfig, names } from './helpers/drive.js';

let sandbox: HubspotSandbox;
beforeAll(async () => {
  sandbox = await startHubspotSandbox({ port: 0, host: '127.0.0.1', rate: '1000/1s' });
});
afterAll(() => sandbox?.close());
beforeEach(async () => {
  sandbox.setFaults({});
  await sandbox.reset();
});
afterEach(closeContexts);

/** A limiter (one request at a time, so chunks go in order) that fails the requests whose numbers are in `failing`. */
function flakyLimiter() {
  const real = createRateLimiter('flaky', { max: 1000, intervalMs: 1000, maxConcurrent: 1 });
  const state = { sent: 0, failing: new Set<number>() };
  const limiter: RateLimiter = {
    name: real.name,
    limit: real.limit,
    observe: (hint) => real.observe(hint),
    schedule: (work, options) => {
      const n = ++state.sent;
      return state.failing.has(n)
        ? Promise.reject(new RetriableError(`induced failure of request ${n}`, { code: 'TEST_INDUCED' }))
        : real.schedule(work, options);
    },
  };
  return { limiter, state, stop: () => real.stop() };
}

const batchOf = (n: number): SinkBatch => {
  const records = names(n);
  return {
    records,
    refs: records.map((_, index) => ({ seq: 1, index })),
    locate: (i) => `names.csv:${i + 2}`,
    checkpoint: { seq: 1 },
  };
};

describe('a write retried by the runtime', () => {
  it('under `limit`: the retry is not cut short by its failed attempt, and acknowledged chunks count as written, unsent', async () => {
    const flaky = flakyLimiter();
    const ctx = await testContext({ limiter: flaky.limiter });
    const config = babyNamesConfig(sandbox.baseUrl, sandbox.token, { limit: 150, inputsPerRequest: 50 });
    const plugin = hubspotSink();
    await plugin.setup!(ctx, config);
    const before = flaky.state.sent;
    flaky.state.failing.add(before + 2); // the second of the three upserts of the first attempt
    const result = await ctx.retry.run(() => plugin.write(ctx, config, batchOf(200)));
    await plugin.close!(ctx, config, 'succeeded');
    await flaky.stop();

    expect(result).toMatchObject({ written: 150, unchanged: 0, skipped: 50, rejects: [] });
    expect(result.details).toMatchObject({ created: 150, updated: 0, skippedByLimit: 50 });
    expect(ctx.counters.retries).toBe(1);
    // First attempt: 3 upserts (one failed); the retry sends only the failed chunk.
    expect(flaky.state.sent - before).toBe(4);
    expect(sandbox.contacts()).toHaveLength(150);
  });

  it("a chunk that keeps failing is sent once per attempt of the step's retry budget", async () => {
    const ctx = await testContext();
    const config = babyNamesConfig(sandbox.baseUrl, sandbox.token);
    const plugin = hubspotSink();
    await plugin.setup!(ctx, config);
    sandbox.setFaults({ errorRate: 1 });
    const before = sandbox.stats().requests;
    const error = await ctx.retry
      .run(() => plugin.write(ctx, config, batchOf(80)), { attempts: 3, baseDelayMs: 5 })
      .catch((e: unknown) => e);
    sandbox.setFaults({});
    await plugin.close!(ctx, config, 'failed');
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(sandbox.stats().requests - before).toBe(3);
    expect(ctx.counters.http5xx).toBe(3);
  });
});

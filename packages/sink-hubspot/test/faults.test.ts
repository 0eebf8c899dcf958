/** The sink under the sandbox's faults and rate limits: every contact lands exactly once, and no 429 when configured right. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RetriesExhaustedError } from '@etl/core';
import { startHubspotSandbox, type HubspotSandbox } from '@etl/sandbox';
import hubspotSink from '@etl/sink-hubspot';
import { closeContexts, testContext } from './helpers/context.js';
import { babyNamesConfig, drive, names } from './helpers/drive.js';

afterEach(closeContexts);

let sandbox: HubspotSandbox;

/** Every expected email present exactly once. */
function expectExactlyOnce(count: number): void {
  const emails = sandbox.contacts().map((c) => c.properties.email);
  expect(emails).toHaveLength(count);
  expect(new Set(emails).size).toBe(count);
}

describe('under faults', () => {
  beforeAll(async () => {
    sandbox = await startHubspotSandbox({ port: 0, host: '127.0.0.1', rate: '1000/1s' });
  });
  afterAll(() => sandbox?.close());
  beforeEach(async () => {
    sandbox.setFaults({});
    await sandbox.reset();
  });

  it('rides out a 429 storm: waits the window out and lands everything once', async () => {
    const config = babyNamesConfig(sandbox.baseUrl, sandbox.token);
    const ctx = await testContext();
    await hubspotSink().setup!(ctx, config); // properties exist before the storm
    sandbox.setFaults({ rateLimitStormMs: 1500 });
    const totals = await drive(hubspotSink(), ctx, config, names(600));
    sandbox.setFaults({});
    expect(totals.written).toBe(600);
    expect(ctx.counters.http429).toBeGreaterThan(0);
    expectExactlyOnce(600);
  });

  it('retries 5xx, 423 and dropped connections and lands everything once', async () => {
    const config = babyNamesConfig(sandbox.baseUrl, sandbox.token);
    const ctx = await testContext();
    await hubspotSink().setup!(ctx, config);
    sandbox.setFaults({ errorRate: 0.25, lockedRate: 0.05, dropRate: 0.05, seed: 7 });
    // A third of the requests fail: the step's retry budget for a write is raised, as `retry.attempts` would be.
    const totals = await drive(hubspotSink(), ctx, config, names(1000), 500, 10);
    sandbox.setFaults({});
    expect(totals).toMatchObject({ written: 1000, rejects: [] });
    expect(ctx.counters.retries).toBeGreaterThan(0);
    expect((ctx.counters.http5xx ?? 0) + (ctx.counters.http423 ?? 0)).toBeGreaterThan(0);
    expectExactlyOnce(1000);
  });

  it('works under added latency with requests in flight at once', async () => {
    sandbox.setFaults({ latencyMs: [100, 300], seed: 3 });
    const config = babyNamesConfig(sandbox.baseUrl, sandbox.token, { concurrency: 5 });
    const ctx = await testContext();
    const totals = await drive(hubspotSink(), ctx, config, names(2000), 1000);
    expect(totals.written).toBe(2000);
    expect(ctx.counters.http429 ?? 0).toBe(0);
    expectExactlyOnce(2000);
  });
});

describe('at the configured rate', () => {
  beforeAll(async () => {
    sandbox = await startHubspotSandbox({ port: 0, host: '127.0.0.1', rate: '20/2s' });
  });
  afterAll(() => sandbox?.close());

  it('never gets a 429 from a rolling window when the rate matches the account', async () => {
    const config = babyNamesConfig(sandbox.baseUrl, sandbox.token, { rate: { max: 20, per: '2s' }, concurrency: 4 });
    const ctx = await testContext();
    const totals = await drive(hubspotSink(), ctx, config, names(4500), 1000);
    expect(totals.written).toBe(4500);
    expect(ctx.counters.http429 ?? 0).toBe(0);
    expect(sandbox.stats().byStatus['429'] ?? 0).toBe(0);
    expect(ctx.counters.requests).toBeGreaterThanOrEqual(46); // 45 upserts, the property list and creation
    expectExactlyOnce(4500);
  });
});

describe('when the daily budget runs out', () => {
  beforeAll(async () => {
    sandbox = await startHubspotSandbox({ port: 0, host: '127.0.0.1', rate: '1000/1s', dailyLimit: 5 });
  });
  afterAll(() => sandbox?.close());

  it('stops cleanly as resumable once HubSpot says nothing is left today, without drawing a 429', async () => {
    const config = babyNamesConfig(sandbox.baseUrl, sandbox.token);
    const ctx = await testContext();
    const error = (await drive(hubspotSink(), ctx, config, names(1000), 1000).catch(
      (e: unknown) => e,
    )) as RetriesExhaustedError;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error.code).toBe('HUBSPOT_DAILY_LIMIT');
    expect(error.message).toMatch(/resets at midnight/);
    expect(error.suggestions.join(' ')).toMatch(/resumes where it stopped/);
    expect(sandbox.stats().byStatus['429'] ?? 0).toBe(0);
    // property list + create + 3 upserts used the 5 requests; those 300 contacts landed and are in the ledger
    expect(sandbox.contacts()).toHaveLength(300);
    expect([...ctx.state.keys()].filter((k) => k.startsWith('c:'))).toHaveLength(300);
  });
});

import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STATE_FILE, startHubspotSandbox, type SandboxFaults } from '../src/hubspot/index.js';
import type { HubspotSandbox } from '../src/types.js';
import { assertSchema, call } from './openapi/hubspot-http.js';

const LIST = '/crm/v3/objects/contacts';

describe('faults', () => {
  let hs: HubspotSandbox;
  beforeAll(async () => {
    hs = await startHubspotSandbox({ rate: '100000/10s' });
  });
  afterAll(async () => {
    await hs.close();
  });
  afterEach(async () => {
    hs.setFaults({});
    await hs.reset();
  });

  async function statuses(n: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await call(hs, 'GET', LIST)).status);
    return out;
  }

  it('answers a seeded share of requests with 500/502/503/504 in turn, repeatably for the same seed', async () => {
    hs.setFaults({ errorRate: 0.3, seed: 42 });
    const first = await statuses(200);
    const errors = first.filter((s) => s >= 500);
    expect(errors.length).toBeGreaterThanOrEqual(40);
    expect(errors.length).toBeLessThanOrEqual(80);
    expect(errors.slice(0, 8)).toEqual([500, 502, 503, 504, 500, 502, 503, 504]);
    hs.setFaults({ errorRate: 0.3, seed: 42 });
    expect(await statuses(200)).toEqual(first);
    hs.setFaults({ errorRate: 0.3, seed: 43 });
    expect(await statuses(200)).not.toEqual(first);
  });

  it('answers 5xx with an Error body and rate-limit headers', async () => {
    hs.setFaults({ errorRate: 1 });
    const res = await call(hs, 'GET', LIST);
    expect(res.status).toBe(500);
    assertSchema(res.body, 'Error');
    expect(res.headers['x-hubspot-ratelimit-max']).toBe('100000');
  });

  it('answers 423 Locked with a body telling clients to wait at least 2 s, and counts early retries', async () => {
    hs.setFaults({ lockedRate: 1 });
    const res = await call(hs, 'POST', `${LIST}/batch/upsert`, { inputs: [] });
    expect(res.status).toBe(423);
    assertSchema(res.body, 'Error');
    expect(res.body).toMatchObject({ status: 'error', category: 'LOCKED' });
    expect(res.body.message).toMatch(/wait at least 2 seconds/);
    hs.setFaults({});
    expect((await call(hs, 'GET', LIST)).status).toBe(200);
    expect((hs.stats() as { earlyRetriesAfterLock?: number }).earlyRetriesAfterLock).toBe(1);
  });

  it('answers 477 with Retry-After when asked', async () => {
    const faults: SandboxFaults = { migrationRate: 1, migrationRetryAfterSec: 3 };
    hs.setFaults(faults);
    const res = await call(hs, 'GET', LIST);
    expect(res.status).toBe(477);
    expect(res.headers['retry-after']).toBe('3');
    expect(res.body.category).toBe('MIGRATION_IN_PROGRESS');
  });

  it('destroys the connection for dropped requests, which clients see as a socket error', async () => {
    hs.setFaults({ dropRate: 1 });
    const error = await call(hs, 'GET', LIST).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    expect(`${cause?.code ?? ''} ${cause?.message ?? ''}`).toMatch(
      /ECONNRESET|UND_ERR_SOCKET|other side closed|socket hang up/i,
    );
    hs.setFaults({});
    expect((await call(hs, 'GET', LIST)).status).toBe(200);
    expect(hs.stats().byStatus.dropped).toBe(1);
  });

  it('can process a write and then drop the answer, so a retry meets 409 CONFLICT', async () => {
    const faults: SandboxFaults = { dropAfterProcessingRate: 1 };
    hs.setFaults(faults);
    const error = await call(hs, 'POST', LIST, { properties: { email: 'late@example.com' } }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(hs.contacts().map((c) => c.properties.email)).toEqual(['late@example.com']);
    hs.setFaults({});
    const retry = await call(hs, 'POST', LIST, { properties: { email: 'late@example.com' } });
    expect(retry.status).toBe(409);
    expect(retry.body.message).toBe(`Contact already exists. Existing ID: ${hs.contacts()[0].id}`);
  });

  it('adds latency (at least the configured ms)', async () => {
    hs.setFaults({ latencyMs: [300, 400], seed: 1 });
    const t0 = Date.now();
    expect((await call(hs, 'GET', LIST)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(295);
  });

  it('answers every request 429 TEN_SECONDLY_ROLLING during a storm, then recovers', async () => {
    hs.setFaults({ rateLimitStormMs: 2000 });
    const res = await call(hs, 'GET', LIST);
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
    await sleep(2200);
    expect((await call(hs, 'GET', LIST)).status).toBe(200);
  });

  it('takes faults over POST /__sandbox/faults (no auth) and rejects invalid shares', async () => {
    const set = await call(hs, 'POST', '/__sandbox/faults', { errorRate: 1, seed: 5 }, { token: null });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ errorRate: 1, seed: 5 });
    expect((await call(hs, 'GET', LIST)).status).toBe(500);
    const bad = await call(hs, 'POST', '/__sandbox/faults', { errorRate: 2 }, { token: null });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/between 0 and 1/);
    expect(() => hs.setFaults({ dropRate: -1 })).toThrow(/dropRate/);
  });
});

describe('admin routes', () => {
  it('expose contacts and stats, and reset, without auth and without being counted', async () => {
    const hs = await startHubspotSandbox({ rate: '100/10s' });
    try {
      await call(hs, 'POST', LIST, { properties: { email: 'admin@example.com' } });
      await call(hs, 'GET', LIST, undefined, { token: 'wrong' });
      const contacts = await call(hs, 'GET', '/__sandbox/contacts', undefined, { token: null });
      expect(contacts.status).toBe(200);
      expect(contacts.body.map((c: { properties: { email: string } }) => c.properties.email)).toEqual([
        'admin@example.com',
      ]);
      expect(contacts.headers['x-hubspot-ratelimit-max']).toBeUndefined();
      const stats = await call(hs, 'GET', '/__sandbox/stats', undefined, { token: null });
      expect(stats.body).toMatchObject({
        requests: 2,
        byStatus: { '201': 1, '401': 1 },
        byRoute: { 'POST /crm/v3/objects/contacts': 1 },
      });
      expect(hs.stats().requests).toBe(2);
      expect((await call(hs, 'POST', '/__sandbox/reset', undefined, { token: null })).status).toBe(204);
      expect(hs.contacts()).toEqual([]);
      expect(hs.stats().requests).toBe(0);
      const after = await call(hs, 'POST', LIST, { properties: { email: 'admin@example.com' } });
      expect(after.body.id).toBe('1');
    } finally {
      await hs.close();
    }
  });
});

describe('persistence', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etl-hubspot-sandbox-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps contacts, custom properties, the id counter and the daily count across a restart', async () => {
    const first = await startHubspotSandbox({ stateDir: dir, dailyLimit: 1000 });
    await call(first, 'POST', '/crm/v3/properties/contacts', {
      name: 'gender',
      label: 'Gender',
      type: 'enumeration',
      fieldType: 'radio',
      groupName: 'contactinformation',
      options: [
        { label: 'F', value: 'F', hidden: false },
        { label: 'M', value: 'M', hidden: false },
      ],
    });
    const inputs = Array.from({ length: 20 }, (_, i) => ({
      properties: { email: `p${i}@example.com`, gender: i % 2 ? 'M' : 'F' },
    }));
    expect((await call(first, 'POST', `${LIST}/batch/create`, { inputs })).status).toBe(201);
    await call(first, 'DELETE', `${LIST}/1`);
    // Written in the background while running (throttled), not only on close.
    await sleep(1500);
    const running = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8'));
    expect(running.contacts).toHaveLength(20);
    await first.close();
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const second = await startHubspotSandbox({ stateDir: dir, dailyLimit: 1000 });
    try {
      expect(second.contacts()).toHaveLength(20);
      expect(second.contacts()[0].archived).toBe(true);
      const read = await call(second, 'GET', `${LIST}/P5@example.com?idProperty=email&properties=gender`);
      expect(read.status).toBe(200);
      expect(read.body.properties.gender).toBe('M');
      expect((await call(second, 'GET', '/crm/v3/properties/contacts/gender')).status).toBe(200);
      const created = await call(second, 'POST', LIST, { properties: { email: 'p1@example.com' } });
      expect(created.status).toBe(409);
      const fresh = await call(second, 'POST', LIST, { properties: { email: 'p0@example.com' } });
      expect(fresh.status).toBe(201);
      expect(fresh.body.id).toBe('21');
      // 3 requests before the restart (property, batch, delete) + 4 after, all on the same day.
      expect(fresh.headers['x-hubspot-ratelimit-daily-remaining']).toBe(String(1000 - 7));
    } finally {
      await second.close();
    }
  });

  it('says how to recover from a corrupt state file', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'etl-hubspot-sandbox-bad-'));
    try {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(bad, STATE_FILE), '{"version":1,"contacts":[');
      await expect(startHubspotSandbox({ stateDir: bad })).rejects.toThrow(/not valid JSON.*Delete it/);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});

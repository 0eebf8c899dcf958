import { afterEach, describe, expect, it } from 'vitest';
import { startPipedriveSandbox } from '../src/pipedrive/index.js';
import type { PipedriveSandbox } from '../src/types.js';
import { pd } from './openapi/pipedrive-http.js';

let sandbox: PipedriveSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('faults and admin routes', () => {
  it('answers injected 5xx in the error shape without charging tokens, and drops connections', async () => {
    const s = (sandbox = await startPipedriveSandbox({ dailyTokens: 100, faults: { errorRate: 1, seed: 3 } }));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await pd(s, 'GET', '/api/v2/persons')).status);
    expect(statuses).toEqual([500, 502, 503, 504]);
    expect(s.stats().tokensSpent).toBe(0);
    s.setFaults({ dropRate: 1 });
    await expect(pd(s, 'GET', '/api/v2/persons')).rejects.toThrow();
    s.setFaults({});
    expect((await pd(s, 'GET', '/api/v2/persons')).status).toBe(200);
    expect(s.stats().byStatus).toMatchObject({ '500': 1, '200': 1, dropped: 1 });
  });

  it('serves persons, stats, reset and advance-day under /__sandbox/ without auth or charge', async () => {
    const s = (sandbox = await startPipedriveSandbox({ dailyTokens: 10 }));
    await pd(s, 'POST', '/api/v2/persons', { name: 'Ada' });
    const persons = await (await fetch(`${s.baseUrl}/__sandbox/persons`)).json();
    expect(persons).toMatchObject([{ id: 1, name: 'Ada', isDeleted: false }]);
    const stats = await (await fetch(`${s.baseUrl}/__sandbox/stats`)).json();
    expect(stats).toMatchObject({
      companyId: s.companyId,
      requests: 1,
      tokensSpent: 5,
      dailyTokens: 10,
      byRoute: { 'POST /api/v2/persons': 1 },
    });
    const day = stats.day;
    const advanced = await (await fetch(`${s.baseUrl}/__sandbox/advance-day`, { method: 'POST' })).json();
    expect(advanced.day > day).toBe(true);
    expect(advanced.tokensSpent).toBe(0);
    expect((await fetch(`${s.baseUrl}/__sandbox/reset`, { method: 'POST' })).status).toBe(204);
    expect(s.persons()).toEqual([]);
    expect(s.stats().requests).toBe(0);
  });
});

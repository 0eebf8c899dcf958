import { afterEach, describe, expect, it } from 'vitest';
import { startPipedriveSandbox } from '../src/pipedrive/index.js';
import type { PipedriveSandbox, PipedriveSandboxOptions } from '../src/types.js';
import { pd } from './openapi/pipedrive-http.js';

const NOON = Date.parse('2026-03-01T12:00:00Z');
let sandbox: PipedriveSandbox | undefined;
/** The stand-in's clock in these tests: it moves only when a test moves it, so windows are exact. */
let t = NOON;

async function start(options: PipedriveSandboxOptions): Promise<PipedriveSandbox> {
  t = NOON;
  sandbox = await startPipedriveSandbox({ now: () => t, ...options });
  return sandbox;
}
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const limitHeaders = (h: Record<string, string>) => ({
  limit: h['x-ratelimit-limit'],
  remaining: h['x-ratelimit-remaining'],
  reset: h['x-ratelimit-reset'],
  daily: h['x-daily-requests-left'],
});

describe('auth: 401 for a wrong token, 403 for a missing scope', () => {
  it('answers a missing or wrong token 401 "unauthorized access", free and without limit headers', async () => {
    const s = await start({ dailyTokens: 100 });
    for (const auth of [null, { apiToken: 'nope' }, { bearer: 'nope' }, { bearer: s.token }] as const) {
      const res = await pd(s, 'GET', '/api/v2/persons', undefined, auth);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        success: false,
        error: 'unauthorized access',
        errorCode: 401,
        error_info: expect.any(String),
        data: null,
        additional_data: null,
      });
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
    expect(s.stats().tokensSpent).toBe(0);
    expect((await pd(s, 'GET', `/api/v2/persons?api_token=${s.token}`, undefined, null)).status).toBe(200);
  });

  it('answers a valid token without the route\'s scope 403 "Scope and URL mismatch", naming the scopes that would do', async () => {
    const s = await start({ dailyTokens: 100, scopes: ['contacts:read', 'base'] });
    expect((await pd(s, 'GET', '/api/v2/persons')).status).toBe(200);
    expect((await pd(s, 'GET', '/api/v2/persons/search?term=ab')).status).toBe(200);
    for (const auth of ['api', 'oauth'] as const) {
      const res = await pd(s, 'POST', '/api/v2/persons', { name: 'x' }, auth);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ success: false, error: 'Scope and URL mismatch', errorCode: 403 });
      expect(res.body.error_info).toContain('contacts:full');
    }
    expect(
      (await pd(s, 'POST', '/api/v2/personFields', { field_name: 'x', field_type: 'varchar' })).body.error_info,
    ).toContain('admin, contact-fields:full');
    expect(s.stats().tokensSpent).toBe(10 + 20);
  });
});

describe('burst window per token', () => {
  it('counts down x-ratelimit-remaining, answers the 6th request of 5 per 2 s 429 with Retry-After, charging nothing', async () => {
    const s = await start({ burst: 5, dailyTokens: 1000 });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await pd(s, 'GET', '/api/v2/persons'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.map((a) => limitHeaders(a.headers))).toEqual(
      [4, 3, 2, 1, 0].map((remaining, i) => ({
        limit: '5',
        remaining: String(remaining),
        reset: '2',
        daily: String(1000 - 10 * (i + 1)),
      })),
    );
    t += 500;
    const over = await pd(s, 'GET', '/api/v2/persons');
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ success: false, error: 'Request over limit', errorCode: 429, data: null });
    expect(over.headers['retry-after']).toBe('2');
    expect(limitHeaders(over.headers)).toEqual({ limit: '5', remaining: '0', reset: '2', daily: '950' });
    expect(s.stats().rateLimited).toEqual({ burst: 1 });
    expect(s.stats().byRouteStatus).toMatchObject({ 'GET /api/v2/persons 200': 5, 'GET /api/v2/persons 429': 1 });
  });

  it('is rolling: a slot frees when the oldest request is 2 s old, not when a fixed bucket ends', async () => {
    const s = await start({ burst: 3, dailyTokens: 1000 });
    await pd(s, 'GET', '/api/v1/users/me');
    t += 1500;
    await pd(s, 'GET', '/api/v1/users/me');
    await pd(s, 'GET', '/api/v1/users/me');
    expect((await pd(s, 'GET', '/api/v1/users/me')).headers['x-ratelimit-reset']).toBe('1');
    t = NOON + 2001;
    expect((await pd(s, 'GET', '/api/v1/users/me')).status).toBe(200);
    expect((await pd(s, 'GET', '/api/v1/users/me')).status).toBe(429);
  });

  it('follows the plan: OAuth tokens get the higher limit and no x-daily-requests-left; each token has its own window', async () => {
    const s = await start({ plan: 'essential', dailyTokens: 1000 });
    const api = await pd(s, 'GET', '/api/v1/users/me');
    const oauth = await pd(s, 'GET', '/api/v1/users/me', undefined, 'oauth');
    expect(limitHeaders(api.headers)).toMatchObject({ limit: '20', remaining: '19', daily: '998' });
    expect(limitHeaders(oauth.headers)).toEqual({ limit: '80', remaining: '79', reset: '2', daily: undefined });
  });
});

describe('search has its own window', () => {
  it('refuses the 4th search of 3 per 2 s while other routes go on, with the search window in the headers', async () => {
    const s = await start({ burst: 100, searchBurst: 3, dailyTokens: 1000 });
    for (let i = 0; i < 3; i++) expect((await pd(s, 'GET', '/api/v2/persons/search?term=ab')).status).toBe(200);
    const over = await pd(s, 'GET', '/api/v2/persons/search?term=ab');
    expect(over.status).toBe(429);
    expect(limitHeaders(over.headers)).toMatchObject({ limit: '3', remaining: '0' });
    const list = await pd(s, 'GET', '/api/v2/persons');
    expect(list.status).toBe(200);
    expect(limitHeaders(list.headers)).toMatchObject({ limit: '100', remaining: '99' });
    expect(s.stats().rateLimited).toEqual({ search: 1 });
    t += 2001;
    expect((await pd(s, 'GET', '/api/v2/persons/search?term=ab')).status).toBe(200);
  });

  it('defaults to 10 searches per 2 s', async () => {
    const s = await start({ dailyTokens: 10_000 });
    expect((await pd(s, 'GET', '/api/v2/persons/search?term=ab')).headers['x-ratelimit-limit']).toBe('10');
  });
});

describe('daily token budget', () => {
  it('charges each route its x-token-cost, refuses with 429 and the reset time once spent, and starts over the next UTC day', async () => {
    const s = await start({ burst: 100, dailyTokens: 42 });
    const created = await pd(s, 'POST', '/api/v2/persons', { name: 'A' }); // 5
    await pd(s, 'GET', `/api/v2/persons/${created.body.data.id}`); // 1
    await pd(s, 'PATCH', `/api/v2/persons/${created.body.data.id}`, { name: 'B' }); // 5
    await pd(s, 'GET', '/api/v2/persons/search?term=ab'); // 20
    const invalid = await pd(s, 'POST', '/api/v2/persons', {}); // 5: a refused body still costs
    expect(invalid.status).toBe(400);
    expect(invalid.headers['x-daily-requests-left']).toBe('6');
    expect(s.stats().tokensSpent).toBe(36);

    // 6 left: a list (10) is refused, a get (1) still passes.
    const over = await pd(s, 'GET', '/api/v2/persons');
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({
      success: false,
      error: 'Daily token budget exceeded',
      errorCode: 429,
      data: null,
    });
    expect(over.body.error_info).toContain('6 of its 42 daily API tokens left and this request costs 10');
    expect(over.body.error_info).toContain('resets at 2026-03-02T00:00:00Z');
    expect(over.headers['retry-after']).toBe(String(12 * 3600));
    expect(over.headers['x-daily-requests-left']).toBe('6');
    expect((await pd(s, 'GET', `/api/v2/persons/${created.body.data.id}`)).status).toBe(200);
    expect(s.stats()).toMatchObject({
      day: '2026-03-01',
      tokensSpent: 37,
      dailyTokens: 42,
      rateLimited: { daily_budget: 1 },
    });

    t = Date.parse('2026-03-01T23:59:59Z');
    expect((await pd(s, 'GET', '/api/v2/persons')).status).toBe(429);
    t = Date.parse('2026-03-02T00:00:00Z');
    const next = await pd(s, 'GET', '/api/v2/persons');
    expect(next.status).toBe(200);
    expect(next.headers['x-daily-requests-left']).toBe('32');
    expect(s.stats()).toMatchObject({ day: '2026-03-02', tokensSpent: 10 });
  });

  it('is exhausted in seconds and back after advanceDay() on the real clock', async () => {
    sandbox = await startPipedriveSandbox({ burst: 1000, dailyTokens: 100 });
    const s = sandbox;
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await pd(s, 'POST', '/api/v2/persons', { name: `P${i}` })).status);
    expect(statuses.filter((x) => x === 200)).toHaveLength(20);
    expect(statuses.slice(20)).toEqual([429, 429, 429, 429, 429]);
    const before = s.now();
    s.advanceDay(60_000);
    expect(new Date(s.now()).toISOString().slice(11, 16)).toBe('00:01');
    expect(s.now()).toBeGreaterThan(before);
    expect((await pd(s, 'POST', '/api/v2/persons', { name: 'next day' })).status).toBe(200);
    expect(s.stats().tokensSpent).toBe(5);
    s.setClock(new Date('2030-06-01T08:00:00Z'));
    expect(s.stats().day).toBe('2030-06-01');
  });
});

/**
 * The client's status handling against a scripted HTTP server on 127.0.0.1 (statuses the sandbox does not produce on
 * demand: 403 with scopes, DAILY 429, 477). Real axios under core's createHttpClient, core's real limiter. The client
 * never retries: a transient failure is a RetriableError for the runtime, whose retry (here `ctx.retry`, as the
 * runtime retries a write) honours its wait.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter, FatalError, RetriableError, RetriesExhaustedError } from '@etl/core';
import { DailyBudget } from '@etl/sink-hubspot';
import { HubspotClient } from '@etl/sink-hubspot/runtime';
import { closeContexts, testContext } from './helpers/context.js';

const TOKEN = 'pat-na1-secret-token-1234567890';
type Script = (req: IncomingMessage, res: ServerResponse, n: number) => void;
let server: Server;
let baseUrl: string;
let script: Script = (_req, res) => res.end('{}');
let calls: number[] = [];

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    calls.push(Date.now());
    req.resume().on('end', () => script(req, res, calls.length));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(closeContexts);

async function client(options: { daily?: number } = {}) {
  calls = [];
  const ctx = await testContext();
  const limiter = createRateLimiter('t', { max: 1000, intervalMs: 1000, maxConcurrent: 4, daily: options.daily });
  const c = new HubspotClient(ctx, {
    baseUrl,
    accessToken: TOKEN,
    timeoutMs: 5000,
    limiter,
    budget: new DailyBudget(undefined),
  });
  return { c, ctx, counters: ctx.counters, limiter };
}

const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code: string; suggestions: string[] };
  }
  throw new Error('expected a failure');
};

describe('HubspotClient status handling', () => {
  it('401 stops at once, says which token is wrong, and never shows it', async () => {
    script = (req, res) => {
      expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
      json(res, 401, {
        status: 'error',
        message: 'Authentication credentials not found.',
        category: 'INVALID_AUTHENTICATION',
        correlationId: 'c-1',
      });
    };
    const { c } = await client();
    const error = await failure(c.request('GET', '/crm/v3/objects/contacts?limit=1'));
    expect(error).toBeInstanceOf(FatalError);
    expect(error.code).toBe('HUBSPOT_UNAUTHORIZED');
    expect(error.suggestions.join(' ')).toContain('HUBSPOT_ACCESS_TOKEN');
    expect(
      JSON.stringify({
        m: error.message,
        s: error.suggestions,
        c: (error as FatalError).context,
        cause: String(error.cause),
      }),
    ).not.toContain(TOKEN);
    expect(calls).toHaveLength(1);
  });

  it('403 names the missing scope', async () => {
    script = (_req, res) =>
      json(res, 403, {
        status: 'error',
        message: "This app hasn't been granted all required scopes to make this call.",
        category: 'MISSING_SCOPES',
        errors: [{ message: 'missing', context: { requiredGranularScopes: ['crm.schemas.contacts.write'] } }],
      });
    const { c } = await client();
    const error = await failure(c.request('POST', '/crm/v3/properties/contacts', { name: 'x' }));
    expect(error.code).toBe('HUBSPOT_MISSING_SCOPES');
    expect(error.message).toContain('crm.schemas.contacts.write');
    expect(error.message).not.toContain(TOKEN);
  });

  it('a DAILY 429 is not retried and stops the run as resumable, saying when it resets', async () => {
    script = (_req, res) =>
      json(res, 429, {
        status: 'error',
        message: 'You have reached your daily limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'DAILY',
      });
    const { c, counters } = await client();
    const error = await failure(c.request('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: [] }));
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error.code).toBe('HUBSPOT_DAILY_LIMIT');
    expect(error.message).toMatch(/resets at midnight/);
    expect(calls).toHaveLength(1);
    expect(counters.http429).toBe(1);
  });

  it('a spent local daily budget stops before sending', async () => {
    script = (_req, res) => json(res, 200, { results: [] });
    const { c } = await client({ daily: 2 });
    await c.request('GET', '/a');
    await c.request('GET', '/a');
    const error = await failure(c.request('GET', '/a'));
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(calls).toHaveLength(2);
  });

  it('follows X-HubSpot-RateLimit-Daily-Remaining: at 0 nothing more is sent', async () => {
    script = (_req, res) =>
      json(res, 200, {}, { 'x-hubspot-ratelimit-daily': '1000', 'x-hubspot-ratelimit-daily-remaining': '0' });
    const { c } = await client();
    await c.request('GET', '/a');
    expect(c.lastRateLimit).toMatchObject({ daily: 1000, dailyRemaining: 0 });
    await expect(c.request('GET', '/a')).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(calls).toHaveLength(1);
  });

  it("477 is one request and a RetriableError carrying Retry-After; the runtime's retry waits it out, then succeeds", async () => {
    script = (_req, res, n) =>
      n === 1
        ? json(res, 477, { message: 'Migration in progress' }, { 'retry-after': '1' })
        : json(res, 200, { ok: true });
    const { c, ctx, counters } = await client();
    const error = (await failure(c.request('GET', '/a', undefined, 'runtime'))) as unknown as RetriableError;
    expect(error).toMatchObject({ code: 'HUBSPOT_MIGRATION', retryAfterMs: 1000 });
    expect(calls).toHaveLength(1);
    calls = [];
    script = (_req, res, n) =>
      n === 1
        ? json(res, 477, { message: 'Migration in progress' }, { 'retry-after': '1' })
        : json(res, 200, { ok: true });
    const response = await ctx.retry.run(() => c.request('GET', '/a', undefined, 'runtime'));
    expect(response.data).toEqual({ ok: true });
    expect(calls[1] - calls[0]).toBeGreaterThanOrEqual(950);
    expect(counters.retries).toBe(1);
  });

  it('a long 477 Retry-After goes back to the runtime as a RetriableError carrying the wait', async () => {
    script = (_req, res) => json(res, 477, { message: 'Migration in progress' }, { 'retry-after': '3600' });
    const { c } = await client();
    const error = (await failure(c.request('GET', '/a', undefined, 'runtime'))) as unknown as RetriableError;
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.code).toBe('HUBSPOT_MIGRATION');
    expect(error.retryAfterMs).toBe(3_600_000);
    expect(calls).toHaveLength(1);
  });

  it('423 asks the retry to wait at least 2 s', async () => {
    script = (_req, res, n) => (n === 1 ? json(res, 423, { message: 'Locked' }) : json(res, 200, { ok: true }));
    const { c, ctx, counters } = await client();
    await ctx.retry.run(() => c.request('POST', '/a', {}, 'runtime'));
    expect(calls[1] - calls[0]).toBeGreaterThanOrEqual(1950);
    expect(counters.http423).toBe(1);
  });

  it('5xx in a write is not retried by the client: one request per attempt of the one retry owner, no multiplication', async () => {
    script = (_req, res) => json(res, 503, { message: 'Service Unavailable' });
    const { c, ctx, counters } = await client();
    const error = await failure(c.request('POST', '/a', {}, 'runtime'));
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.code).toBe('HUBSPOT_UNAVAILABLE');
    expect(calls).toHaveLength(1);
    calls = [];
    const exhausted = await failure(
      ctx.retry.run(() => c.request('POST', '/a', {}, 'runtime'), { attempts: 3, baseDelayMs: 5 }),
    );
    expect(exhausted).toBeInstanceOf(RetriesExhaustedError);
    expect(calls).toHaveLength(3);
    expect(counters.http5xx).toBe(4);
  });

  it('outside a write (setup, check, reconcile: hooks the runtime does not retry) each request is retried under ctx.retry', async () => {
    script = (_req, res, n) =>
      n < 3 ? json(res, 503, { message: 'Service Unavailable' }) : json(res, 200, { ok: true });
    const { c, counters } = await client();
    await expect(c.request('GET', '/crm/v3/properties/contacts')).resolves.toMatchObject({ data: { ok: true } });
    expect(calls).toHaveLength(3);
    expect(counters.retries).toBe(2);
  });

  it('a dropped connection is a retriable network error', async () => {
    script = (req, res, n) => (n === 1 ? req.socket.destroy() : json(res, 200, { ok: true }));
    const { c, ctx, counters } = await client();
    await expect(ctx.retry.run(() => c.request('POST', '/a', {}))).resolves.toMatchObject({ status: 200 });
    expect(counters.networkErrors).toBe(1);
    expect(counters.retries).toBe(1);
  });

  it("a content 4xx comes back as HUBSPOT_BAD_REQUEST with HubSpot's message", async () => {
    script = (_req, res) =>
      json(res, 400, {
        status: 'error',
        message: 'The maximum number of inputs supported in a batch is 100.',
        category: 'VALIDATION_ERROR',
      });
    const { c } = await client();
    const error = await failure(c.request('POST', '/a', {}));
    expect(error.code).toBe('HUBSPOT_BAD_REQUEST');
    expect(error.message).toContain('maximum number of inputs');
    expect(calls).toHaveLength(1);
  });
});

describe('the daily budget', () => {
  it('takes requests still in flight off a late answer’s count, so an out-of-order answer does not hand them back', () => {
    const budget = new DailyBudget(undefined);
    budget.observe(3); // the property list's answer: 3 left
    for (let i = 0; i < 3; i++) budget.take(); // three upserts in flight
    budget.observe(2); // the first upsert's answer, counted before the other two arrived
    expect(() => budget.take()).toThrow(RetriesExhaustedError);
    budget.observe(0);
    budget.observe(0);
    expect(() => budget.take()).toThrow(/daily API limit/);
  });
});

/**
 * The client's status handling against a scripted HTTP server on 127.0.0.1 (statuses the sandbox does not produce on
 * demand: 403 with scopes, DAILY 429, 477). Real axios, real axios-retry, core's real limiter.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter, FatalError, RetriableError, RetriesExhaustedError } from '@etl/core';
import { DailyBudget } from '@etl/sink-hubspot';
import { HubspotClient } from '@etl/sink-hubspot/runtime';

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

function client(options: { retries?: number; daily?: number } = {}) {
  const counters: Record<string, number> = {};
  calls = [];
  const limiter = createRateLimiter('t', { max: 1000, intervalMs: 1000, maxConcurrent: 4, daily: options.daily });
  const c = new HubspotClient({
    baseUrl,
    accessToken: TOKEN,
    timeoutMs: 5000,
    retries: options.retries ?? 2,
    limiter,
    budget: new DailyBudget(undefined),
    count: (name, by = 1) => void (counters[name] = (counters[name] ?? 0) + by),
    // 5xx waits are shortened; 423's 2 s minimum is kept on purpose.
    retryDelayMs: (_attempt, status, suggested) => (status === undefined || status >= 500 ? 20 : suggested),
  });
  return { c, counters, limiter };
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
      json(res, 401, { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION', correlationId: 'c-1' });
    };
    const { c } = client();
    const error = await failure(c.request('GET', '/crm/v3/objects/contacts?limit=1'));
    expect(error).toBeInstanceOf(FatalError);
    expect(error.code).toBe('HUBSPOT_UNAUTHORIZED');
    expect(error.suggestions.join(' ')).toContain('HUBSPOT_ACCESS_TOKEN');
    expect(JSON.stringify({ m: error.message, s: error.suggestions, c: (error as FatalError).context, cause: String(error.cause) })).not.toContain(TOKEN);
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
    const { c } = client();
    const error = await failure(c.request('POST', '/crm/v3/properties/contacts', { name: 'x' }));
    expect(error.code).toBe('HUBSPOT_MISSING_SCOPES');
    expect(error.message).toContain('crm.schemas.contacts.write');
    expect(error.message).not.toContain(TOKEN);
  });

  it('a DAILY 429 is not retried and stops the run as resumable, saying when it resets', async () => {
    script = (_req, res) => json(res, 429, { status: 'error', message: 'You have reached your daily limit.', errorType: 'RATE_LIMIT', policyName: 'DAILY' });
    const { c, counters } = client();
    const error = await failure(c.request('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: [] }));
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error.code).toBe('HUBSPOT_DAILY_LIMIT');
    expect(error.message).toMatch(/resets at midnight/);
    expect(calls).toHaveLength(1);
    expect(counters.http429).toBe(1);
  });

  it('a spent local daily budget stops before sending', async () => {
    script = (_req, res) => json(res, 200, { results: [] });
    const { c } = client({ daily: 2 });
    await c.request('GET', '/a');
    await c.request('GET', '/a');
    const error = await failure(c.request('GET', '/a'));
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(calls).toHaveLength(2);
  });

  it('follows X-HubSpot-RateLimit-Daily-Remaining: at 0 nothing more is sent', async () => {
    script = (_req, res) => json(res, 200, {}, { 'x-hubspot-ratelimit-daily': '1000', 'x-hubspot-ratelimit-daily-remaining': '0' });
    const { c } = client();
    await c.request('GET', '/a');
    expect(c.lastRateLimit).toMatchObject({ daily: 1000, dailyRemaining: 0 });
    await expect(c.request('GET', '/a')).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(calls).toHaveLength(1);
  });

  it('477 waits for Retry-After, then succeeds', async () => {
    script = (_req, res, n) => (n === 1 ? json(res, 477, { message: 'Migration in progress' }, { 'retry-after': '1' }) : json(res, 200, { ok: true }));
    const { c, counters } = client();
    const response = await c.request('GET', '/a');
    expect(response.data).toEqual({ ok: true });
    expect(calls[1] - calls[0]).toBeGreaterThanOrEqual(950);
    expect(counters.retries).toBe(1);
  });

  it('a long 477 Retry-After goes back to the runtime as a RetriableError carrying the wait', async () => {
    script = (_req, res) => json(res, 477, { message: 'Migration in progress' }, { 'retry-after': '3600' });
    const { c } = client();
    const error = (await failure(c.request('GET', '/a'))) as unknown as RetriableError;
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.code).toBe('HUBSPOT_MIGRATION');
    expect(error.retryAfterMs).toBe(3_600_000);
    expect(calls).toHaveLength(1);
  });

  it('423 waits at least 2 s before the retry', async () => {
    script = (_req, res, n) => (n === 1 ? json(res, 423, { message: 'Locked' }) : json(res, 200, { ok: true }));
    const { c, counters } = client();
    await c.request('POST', '/a', {});
    expect(calls[1] - calls[0]).toBeGreaterThanOrEqual(1950);
    expect(counters.http423).toBe(1);
  });

  it('5xx is retried, and when retries run out it is a RetriableError for the runtime', async () => {
    script = (_req, res) => json(res, 503, { message: 'Service Unavailable' });
    const { c, counters } = client({ retries: 2 });
    const error = await failure(c.request('POST', '/a', {}));
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.code).toBe('HUBSPOT_UNAVAILABLE');
    expect(calls).toHaveLength(3);
    expect(counters.http5xx).toBe(3);
  });

  it('a dropped connection is retried', async () => {
    script = (req, res, n) => (n === 1 ? req.socket.destroy() : json(res, 200, { ok: true }));
    const { c, counters } = client();
    await expect(c.request('POST', '/a', {})).resolves.toMatchObject({ status: 200 });
    expect(counters.networkErrors).toBe(1);
  });

  it('a content 4xx comes back as HUBSPOT_BAD_REQUEST with HubSpot\'s message', async () => {
    script = (_req, res) => json(res, 400, { status: 'error', message: 'The maximum number of inputs supported in a batch is 100.', category: 'VALIDATION_ERROR' });
    const { c } = client();
    const error = await failure(c.request('POST', '/a', {}));
    expect(error.code).toBe('HUBSPOT_BAD_REQUEST');
    expect(error.message).toContain('maximum number of inputs');
    expect(calls).toHaveLength(1);
  });
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createHttpClient,
  FatalError,
  HttpRequestError,
  RetriableError,
  RetriesExhaustedError,
  type RateLimiter,
} from '@etl/core';
import { createTestContext } from '@etl/testing';

const TOKEN = 'tok-0123456789-secret';
type Script = (req: IncomingMessage, res: ServerResponse, n: number) => void;
let server: Server;
let baseUrl: string;
let script: Script;
let calls: Array<{ url: string; auth?: string }> = [];

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    calls.push({ url: req.url ?? '', auth: req.headers.authorization });
    req.resume().on('end', () => script(req, res, calls.length));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A limiter that records what went through it. */
function spyLimiter() {
  const weights: number[] = [];
  const limiter: RateLimiter = {
    name: 'spy',
    limit: { max: 100, intervalMs: 1000, maxConcurrent: 4 },
    observe: () => undefined,
    schedule: (work, options) => (weights.push(options?.weight ?? 1), work()),
  };
  return { limiter, weights };
}

async function setup(options: { retries?: 'runtime' | 'client'; signal?: AbortSignal } = {}) {
  calls = [];
  const ctx = await createTestContext({
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    signal: options.signal,
  });
  const { limiter, weights } = spyLimiter();
  const client = createHttpClient(ctx, {
    service: 'Acme',
    baseUrl,
    headers: { Authorization: `Bearer ${TOKEN}` },
    limiter,
    retries: options.retries,
  });
  return { ctx, client, weights };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('expected a failure'),
    (error: unknown) => error as Error & { code: string },
  );

describe('createHttpClient', () => {
  test("joins paths to the base URL, sends the headers, and goes through the limiter with each request's weight", async () => {
    script = (_req, res) => json(res, 200, { ok: true });
    const { ctx, client, weights } = await setup();
    const answer = await client.request<{ ok: boolean }>({
      method: 'POST',
      url: '/v1/batch?x=1',
      data: { a: 1 },
      weight: 3,
    });
    await client.request({ method: 'GET', url: 'v1/one' });
    expect(answer).toMatchObject({ status: 200, data: { ok: true } });
    expect(calls).toEqual([
      { url: '/api/v1/batch?x=1', auth: `Bearer ${TOKEN}` },
      { url: '/api/v1/one', auth: `Bearer ${TOKEN}` },
    ]);
    expect(weights).toEqual([3, 1]);
    expect(ctx.stats.counters.requests).toBe(2);
    await ctx.dispose();
  });

  test('by default the runtime owns retries: a 503 is one call and a RetriableError carrying Retry-After', async () => {
    script = (_req, res) => json(res, 503, { message: 'busy' }, { 'retry-after': '7' });
    const { ctx, client } = await setup();
    const error = (await failure(client.request({ method: 'POST', url: '/x' }))) as RetriableError;
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.retryAfterMs).toBe(7000);
    expect(error.message).toBe('Acme answered 503 to POST /api/x: busy');
    expect(calls).toHaveLength(1);
    expect(ctx.stats.counters.http5xx).toBe(1);
    await ctx.dispose();
  });

  test('`retries: client` retries each request under ctx.retry (for sources), through the limiter each time', async () => {
    script = (req, res, n) =>
      n === 1 ? req.socket.destroy() : n === 2 ? json(res, 429, {}) : json(res, 200, { ok: true });
    const { ctx, client, weights } = await setup({ retries: 'client' });
    await expect(client.request({ method: 'GET', url: '/x' })).resolves.toMatchObject({ status: 200 });
    expect(calls).toHaveLength(3);
    expect(weights).toHaveLength(3);
    expect(ctx.stats.counters).toMatchObject({ retries: 2, networkErrors: 1, http429: 1 });
    await ctx.dispose();
  });

  test("retries that run out keep the remote's code, under the plugin's own prefix", async () => {
    script = (_req, res) => json(res, 502, { message: 'bad gateway' });
    calls = [];
    const ctx = await createTestContext({ retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    const client = createHttpClient(ctx, { service: 'Acme', codePrefix: 'ACME', baseUrl, retries: 'client' });
    const error = (await failure(client.request({ method: 'GET', url: '/x' }))) as RetriesExhaustedError;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error.code).toBe('ACME_UNAVAILABLE');
    expect(error.message).toContain('failed 2 times');
    expect(calls).toHaveLength(2);
    await ctx.dispose();
  });

  test('401 is fatal and no error shows the token, even when the remote echoes it', async () => {
    script = (_req, res) => json(res, 401, { message: `bad token ${TOKEN}` });
    const { ctx, client } = await setup({ retries: 'client' });
    const error = await failure(client.request({ method: 'GET', url: '/x' }));
    expect(error).toBeInstanceOf(FatalError);
    expect(error.code).toBe('HTTP_UNAUTHORIZED');
    expect(
      JSON.stringify({ m: error.message, c: (error as FatalError).context, cause: String(error.cause) }),
    ).not.toContain(TOKEN);
    expect(calls).toHaveLength(1);
    await ctx.dispose();
  });

  test('another 4xx is an HttpRequestError with the body, for per-record handling; `accept` returns it instead', async () => {
    script = (_req, res) => json(res, 404, { message: 'no such thing', id: 9 });
    const { ctx, client } = await setup();
    const error = (await failure(client.request({ method: 'GET', url: '/x' }))) as HttpRequestError;
    expect(error).toBeInstanceOf(HttpRequestError);
    expect(error).toMatchObject({ status: 404, body: { message: 'no such thing', id: 9 }, code: 'HTTP_BAD_REQUEST' });
    await expect(client.request({ method: 'GET', url: '/x', accept: [404] })).resolves.toMatchObject({ status: 404 });
    await ctx.dispose();
  });

  test('a plugin refines the mapping with classify, and sees every answer with observe', async () => {
    script = (_req, res) => json(res, 423, { message: 'locked' }, { 'x-left': '5' });
    const ctx = await createTestContext();
    const seen: unknown[] = [];
    const client = createHttpClient(ctx, {
      service: 'Acme',
      baseUrl,
      observe: (answer) => seen.push([answer.status, answer.headers['x-left']]),
      classify: (f) =>
        f.status === 423
          ? new RetriableError(`locked: ${f.operation}`, { code: 'ACME_LOCKED', retryAfterMs: 2000 })
          : undefined,
    });
    const error = (await failure(client.request({ method: 'PATCH', url: '/r/1' }))) as RetriableError;
    expect(error).toMatchObject({ code: 'ACME_LOCKED', retryAfterMs: 2000, message: 'locked: PATCH /api/r/1' });
    expect(seen).toEqual([[423, '5']]);
    await ctx.dispose();
  });

  test('once the run is stopping nothing is sent', async () => {
    script = (_req, res) => json(res, 200, {});
    const controller = new AbortController();
    controller.abort('SIGINT');
    const { ctx, client } = await setup({ signal: controller.signal, retries: 'client' });
    const error = await failure(client.request({ method: 'POST', url: '/x' }));
    expect(error.code).toBe('HTTP_STOPPED');
    expect(calls).toHaveLength(0);
    await ctx.dispose();
  });

  test('unreachable hosts and untrusted certificates are fatal; other network errors retriable', async () => {
    const ctx = await createTestContext();
    const client = createHttpClient(ctx, { service: 'Acme', baseUrl: 'http://no-such-host.invalid' });
    const error = await failure(client.request({ method: 'GET', url: '/x' }));
    expect(error.code).toBe('HTTP_UNREACHABLE');
    await ctx.dispose();
  });
});

/**
 * The server's gate over real sockets: loopback only for the Host it answers, the token on every request (the page,
 * the API, SSE), JSON-only writes, and secrets masked in what the API sends.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactSecrets } from '@etl/core';
import { queueLauncher, startUiServer, type UiServer } from '@etl/ui';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const token = 'a-test-token-of-32-characters-xx';
const secret = 'hunter2-very-secret';
const stateDir = mkdtempSync(join(tmpdir(), 'etl-ui-access-'));
const runId = '20261130-101500-beef';
const launcher = queueLauncher(async () => ({ jobId: '1' }));
const redact = (text: string) => redactSecrets(text, [secret]);
let open: UiServer;
let guarded: UiServer;

beforeAll(async () => {
  const dir = join(stateDir, 'runs', runId);
  mkdirSync(dir, { recursive: true });
  const startedAt = '2026-11-30T10:15:00.000Z';
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ runId, pipeline: 'demo', startedAt }));
  // A secret that reached a file some other way (the runtime redacts its own files): the server masks it again.
  writeFileSync(join(dir, 'run.log'), `${JSON.stringify({ level: 'info', msg: `connected with ${secret}` })}\n`);
  open = await startUiServer({ stateDir, pipelinesDir: join(stateDir, 'none'), launcher, redact });
  guarded = await startUiServer({ stateDir, pipelinesDir: join(stateDir, 'none'), launcher, host: '0.0.0.0', token });
});
afterAll(async () => {
  await open?.close();
  await guarded?.close();
});

/** Over loopback, whatever the server's address, with the Host header given (fetch cannot set it). */
function get(server: UiServer, path: string, headers: Record<string, string> = {}) {
  const port = Number(new URL(server.url).port);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
        // SSE never ends: the first event is enough.
        if (res.headers['content-type']?.startsWith('text/event-stream') && body.includes('\n\n')) req.destroy();
      });
      const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      res.on('end', done);
      res.on('close', done);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('etl ui access', () => {
  test('refuses to listen beyond loopback without a token, or with a short one', async () => {
    await expect(startUiServer({ stateDir, pipelinesDir: stateDir, launcher, host: '0.0.0.0' })).rejects.toMatchObject({
      code: 'UI_TOKEN_REQUIRED',
    });
    await expect(
      startUiServer({ stateDir, pipelinesDir: stateDir, launcher, host: '0.0.0.0', token: 'short' }),
    ).rejects.toMatchObject({ code: 'UI_TOKEN_WEAK' });
  });

  test('with a token, every request needs it: page, API and SSE', async () => {
    for (const path of ['/', '/app.js', '/api/runs', '/api/runs/events', `/api/runs/${runId}/log`]) {
      expect((await get(guarded, path)).status, path).toBe(401);
      expect((await get(guarded, path, { authorization: 'Bearer not-the-token-but-as-long-xx' })).status).toBe(401);
    }
    expect((await get(guarded, '/api/runs', { authorization: `Bearer ${token}` })).status).toBe(200);

    // ?token= once: an HttpOnly cookie, and the token leaves the address bar.
    const entry = await get(guarded, `/?token=${token}`);
    expect(entry.status).toBe(302);
    expect(entry.headers.location).toBe('/');
    const cookie = String(entry.headers['set-cookie']).split(';')[0]!;
    expect(String(entry.headers['set-cookie'])).toMatch(/HttpOnly/i);
    const events = await get(guarded, '/api/runs/events', { cookie });
    expect(events.status).toBe(200);
    expect(events.body).toContain(runId);
  });

  test('on loopback: no token needed, but only for loopback Host names', async () => {
    expect((await get(open, '/api/runs')).status).toBe(200);
    expect((await get(open, '/api/runs', { host: 'attacker.example' })).status).toBe(403);
  });

  test('writes take JSON only; unknown pipelines are refused', async () => {
    const post = (body: string, type: string) =>
      fetch(new URL('/api/runs', open.url), { method: 'POST', headers: { 'content-type': type }, body });
    expect((await post('pipeline=demo', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await post('{"pipeline":"demo"}', 'text/plain')).status).toBe(415);
    expect((await post('{"pipeline":"../../etc"}', 'application/json')).status).toBe(400);
  });

  test('secrets are masked in what the API sends', async () => {
    const log = await get(open, `/api/runs/${runId}/log`);
    expect(log.status).toBe(200);
    expect(log.body).toContain('connected with');
    expect(log.body).not.toContain(secret);
  });
});

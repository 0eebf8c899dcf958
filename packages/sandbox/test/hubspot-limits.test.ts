import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startHubspotSandbox } from '../src/hubspot/index.js';
import type { HubspotSandbox, HubspotSandboxOptions } from '../src/types.js';
import { assertSchema, call } from './openapi/hubspot-http.js';

const LIST = '/crm/v3/objects/contacts';
const AUTH_BODY_MESSAGE =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';
let hs: HubspotSandbox | undefined;

async function start(options: HubspotSandboxOptions): Promise<HubspotSandbox> {
  hs = await startHubspotSandbox(options);
  return hs;
}
afterEach(async () => {
  await hs?.close();
  hs = undefined;
});

const rateHeaders = (headers: Record<string, string>) => ({
  daily: headers['x-hubspot-ratelimit-daily'],
  dailyRemaining: headers['x-hubspot-ratelimit-daily-remaining'],
  interval: headers['x-hubspot-ratelimit-interval-milliseconds'],
  max: headers['x-hubspot-ratelimit-max'],
  remaining: headers['x-hubspot-ratelimit-remaining'],
  secondly: headers['x-hubspot-ratelimit-secondly'],
  secondlyRemaining: headers['x-hubspot-ratelimit-secondly-remaining'],
});

describe('auth', () => {
  it('answers a missing or wrong token with 401, the documented body and X-HubSpot-Auth-Failure', async () => {
    const sandbox = await start({ token: 'pat-test-1234' });
    expect(sandbox.token).toBe('pat-test-1234');
    for (const token of [null, 'pat-sandbox-0000', 'pat-test-12345']) {
      const res = await call(sandbox, 'GET', LIST, undefined, { token });
      expect(res.status).toBe(401);
      assertSchema(res.body, 'Error');
      expect(res.body).toEqual({
        status: 'error',
        message: AUTH_BODY_MESSAGE,
        correlationId: res.headers['x-hubspot-correlation-id'],
        category: 'INVALID_AUTHENTICATION',
      });
      expect(res.headers['x-hubspot-auth-failure']).toBe('401 Unauthorized');
      expect(JSON.stringify(res)).not.toContain('pat-test-1234');
    }
    expect((await call(sandbox, 'GET', LIST)).status).toBe(200);
  });

  it('defaults the token to pat-sandbox-0000', async () => {
    const sandbox = await start({});
    expect(sandbox.token).toBe('pat-sandbox-0000');
    expect((await call(sandbox, 'GET', LIST, undefined, { token: 'pat-sandbox-0000' })).status).toBe(200);
  });
});

describe('rolling burst window', () => {
  it('counts down Remaining, answers the 6th request of a 5/2s window 429 TEN_SECONDLY_ROLLING, and lets one through once the oldest falls out', async () => {
    const sandbox = await start({ rate: '5/2s', dailyLimit: 1000 });
    const started = Date.now();
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await call(sandbox, 'GET', LIST));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.map((a) => rateHeaders(a.headers).remaining)).toEqual(['4', '3', '2', '1', '0']);
    expect(answers.map((a) => rateHeaders(a.headers).dailyRemaining)).toEqual(['999', '998', '997', '996', '995']);
    expect(rateHeaders(answers[0].headers)).toMatchObject({ daily: '1000', interval: '2000', max: '5', secondly: '3' });
    expect(answers[0].headers['x-hubspot-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);

    const sixth = await call(sandbox, 'GET', LIST);
    // Only meaningful if the six requests really fell in one window on this (shared, possibly slow) machine.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(sixth.status).toBe(429);
    expect(sixth.body).toEqual({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      correlationId: sixth.headers['x-hubspot-correlation-id'],
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
      groupName: expect.stringMatching(/^publicapi:private_app-api-calls-ten-secondly:\d+:\d+$/),
    });
    // 429s carry the headers too and are not charged to the window or the day.
    expect(rateHeaders(sixth.headers)).toMatchObject({ remaining: '0', dailyRemaining: '995' });

    await sleep(Math.max(0, started + 2100 - Date.now()));
    const later = await call(sandbox, 'GET', LIST);
    expect(later.status).toBe(200);
    expect(sandbox.stats().rateLimited).toEqual({ TEN_SECONDLY_ROLLING: 1 });
    expect(sandbox.stats().byStatus['429']).toBe(1);
  });

  it('is rolling, not a fixed bucket: a request is refused until the oldest one in the window has aged out', async () => {
    const sandbox = await start({ rate: '3/4s' });
    const t0 = Date.now();
    await call(sandbox, 'GET', LIST);
    await sleep(2000);
    await call(sandbox, 'GET', LIST);
    await call(sandbox, 'GET', LIST);
    // A fixed 4-second bucket starting at t0 would reset at t0+4s; between t0+4s and t0+6s the rolling window still
    // holds the two later requests, so exactly one more is allowed there.
    await sleep(Math.max(0, t0 + 4200 - Date.now()));
    const a = await call(sandbox, 'GET', LIST);
    const b = await call(sandbox, 'GET', LIST);
    expect(Date.now() - t0).toBeLessThan(6000);
    expect([a.status, b.status]).toEqual([200, 429]);
  });

  it('rejects an invalid rate option with an actionable message', async () => {
    await expect(startHubspotSandbox({ rate: 'fast' })).rejects.toThrow(/"100\/10s"/);
  });
});

describe('daily budget', () => {
  it('answers 429 DAILY once the day is used up, with Daily-Remaining 0, and does not count search toward the window', async () => {
    const sandbox = await start({ rate: '100/10s', dailyLimit: 3 });
    expect((await call(sandbox, 'GET', LIST)).status).toBe(200);
    expect((await call(sandbox, 'POST', `${LIST}/search`, {})).status).toBe(200);
    const third = await call(sandbox, 'GET', LIST);
    expect(rateHeaders(third.headers)).toMatchObject({ dailyRemaining: '0', remaining: '98' });
    const over = await call(sandbox, 'GET', LIST);
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({
      status: 'error',
      message: 'You have reached your daily limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'DAILY',
    });
    expect(over.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(rateHeaders(over.headers).dailyRemaining).toBe('0');
    expect((await call(sandbox, 'POST', `${LIST}/search`, {})).body.policyName).toBe('DAILY');
    expect(sandbox.stats().rateLimited).toEqual({ DAILY: 2 });
  });

  it('rate-limit headers appear on error answers (404, 400) as well', async () => {
    const sandbox = await start({ rate: '10/10s' });
    const missing = await call(sandbox, 'GET', `${LIST}/77`);
    expect(missing.status).toBe(404);
    expect(rateHeaders(missing.headers).remaining).toBe('9');
    const bad = await call(sandbox, 'POST', LIST, { properties: { nope: '1' } });
    expect(bad.status).toBe(400);
    expect(rateHeaders(bad.headers)).toMatchObject({ remaining: '8', max: '10', interval: '10000', secondly: '1' });
  });
});

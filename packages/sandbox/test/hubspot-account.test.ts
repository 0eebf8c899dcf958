/** Account-info (`GET /account-info/v3/details`): one portal id per state folder, auth and limits like other routes. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_FILE, startHubspotSandbox } from '../src/hubspot/index.js';
import type { HubspotSandbox, HubspotSandboxOptions } from '../src/types.js';
import { assertSchema, call } from './openapi/hubspot-http.js';

const DETAILS = '/account-info/v3/details';
const started: HubspotSandbox[] = [];
const dirs: string[] = [];

async function start(options: HubspotSandboxOptions = {}): Promise<HubspotSandbox> {
  const sandbox = await startHubspotSandbox({ rate: '1000/10s', ...options });
  started.push(sandbox);
  return sandbox;
}
async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'etl-hubspot-portal-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('GET /account-info/v3/details', () => {
  it('answers the documented shape with the portal id the handle and /__sandbox/stats show', async () => {
    const hs = await start();
    const res = await call(hs, 'GET', DETAILS);
    expect(res.status).toBe(200);
    // Every field the docs mark required, with its documented type, and nothing else.
    expect(Object.keys(res.body).sort()).toEqual([
      'accountType',
      'additionalCurrencies',
      'companyCurrency',
      'dataHostingLocation',
      'portalId',
      'timeZone',
      'uiDomain',
      'utcOffset',
      'utcOffsetMilliseconds',
    ]);
    expect(res.body).toMatchObject({
      portalId: hs.portalId,
      accountType: 'STANDARD',
      additionalCurrencies: [],
      utcOffsetMilliseconds: 0,
    });
    expect(['APP_DEVELOPER', 'DEVELOPER_TEST', 'SANDBOX', 'STANDARD']).toContain(res.body.accountType);
    for (const key of ['companyCurrency', 'dataHostingLocation', 'timeZone', 'uiDomain', 'utcOffset'])
      expect(typeof res.body[key]).toBe('string');
    expect(Number.isInteger(hs.portalId) && hs.portalId > 0 && hs.portalId < 2 ** 31).toBe(true);
    expect(hs.stats().portalId).toBe(hs.portalId);
    const admin = await fetch(`${hs.baseUrl}/__sandbox/stats`).then((r) => r.json());
    expect(admin.portalId).toBe(hs.portalId);
  });

  it('is authenticated, counted and rate-limited like every API route', async () => {
    const hs = await start({ rate: '2/10s' });
    const denied = await call(hs, 'GET', DETAILS, undefined, { token: 'pat-other' });
    expect(denied.status).toBe(401);
    expect(denied.body.category).toBe('INVALID_AUTHENTICATION');
    const first = await call(hs, 'GET', DETAILS);
    expect(first.status).toBe(200);
    expect(first.headers['x-hubspot-ratelimit-max']).toBe('2');
    expect(first.headers['x-hubspot-ratelimit-remaining']).toBe('1');
    expect((await call(hs, 'GET', DETAILS)).status).toBe(200);
    const limited = await call(hs, 'GET', DETAILS);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
    expect(limited.body.groupName).toContain(`:${hs.portalId}:`);
    expect(hs.stats().byRoute[`GET ${DETAILS}`]).toBe(4);
  });

  it('two state folders are two portals; a folder keeps its portal across restarts and resets', async () => {
    const [dirA, dirB] = [await folder(), await folder()];
    const a = await start({ stateDir: dirA });
    const b = await start({ stateDir: dirB });
    expect(a.portalId).not.toBe(b.portalId);
    expect((await call(a, 'GET', DETAILS)).body.portalId).toBe(a.portalId);
    expect((await call(b, 'GET', DETAILS)).body.portalId).toBe(b.portalId);
    // Persisted at once, before any change: a server stopped right away still named its folder.
    expect(JSON.parse(await readFile(join(dirA, STATE_FILE), 'utf8')).portalId).toBe(a.portalId);

    await a.reset();
    expect((await call(a, 'GET', DETAILS)).body.portalId).toBe(a.portalId);
    await a.close();
    started.splice(started.indexOf(a), 1);
    const again = await start({ stateDir: dirA });
    expect(again.portalId).toBe(a.portalId);
    // In memory: a portal per server.
    const [m1, m2] = [await start(), await start()];
    expect(m1.portalId).not.toBe(m2.portalId);
  });

  it('answers 403 MISSING_SCOPES to a token without access (accountInfo: "missing-scope")', async () => {
    const hs = await start({ accountInfo: 'missing-scope' });
    const res = await call(hs, 'GET', DETAILS);
    expect(res.status).toBe(403);
    assertSchema(res.body, 'Error');
    expect(res.body).toMatchObject({
      status: 'error',
      category: 'MISSING_SCOPES',
      message: "This app hasn't been granted all required scopes to make this call.",
    });
    expect(res.body.errors[0].context.requiredGranularScopes).toEqual(['oauth']);
    expect(JSON.stringify(res.body)).not.toContain(String(hs.portalId));
    // Contacts stay reachable: only account-info is refused.
    expect((await call(hs, 'GET', '/crm/v3/objects/contacts')).status).toBe(200);
  });

  it('answers 404 like an API without the route (accountInfo: "not-found")', async () => {
    const hs = await start({ accountInfo: 'not-found' });
    const res = await call(hs, 'GET', DETAILS);
    expect(res.status).toBe(404);
    assertSchema(res.body, 'Error');
    expect(res.body.category).toBe('OBJECT_NOT_FOUND');
  });

  it('names the same portal inside "Property values were not valid" errors', async () => {
    const hs = await start();
    const res = await call(hs, 'POST', '/crm/v3/objects/contacts', { properties: { nosuch: 'x' } });
    expect(res.status).toBe(400);
    const inner = JSON.parse(res.body.message.slice('Property values were not valid: '.length));
    expect(inner[0].portalId).toBe(hs.portalId);
  });
});

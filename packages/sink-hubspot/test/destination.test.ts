/** `destination()` against stand-ins over real HTTP: the portal id names the destination; a token that may not read it falls back. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FatalError } from '@etl/core';
import { startHubspotSandbox, type HubspotSandbox, type HubspotSandboxOptions } from '@etl/sandbox';
import hubspotSink from '@etl/sink-hubspot';
import { closeContexts, testContext } from './helpers/context.js';
import { babyNamesConfig, drive, names } from './helpers/drive.js';

const DETAILS = 'GET /account-info/v3/details';
const started: HubspotSandbox[] = [];
const dirs: string[] = [];
let dir: string;

const folder = () => {
  const made = mkdtempSync(join(tmpdir(), 'etl-hubspot-dest-'));
  dirs.push(made);
  return made;
};
async function stand(options: HubspotSandboxOptions = {}): Promise<HubspotSandbox> {
  const sandbox = await startHubspotSandbox({ port: 0, host: '127.0.0.1', rate: '1000/1s', ...options });
  started.push(sandbox);
  return sandbox;
}

beforeEach(() => {
  dir = folder();
});
afterEach(async () => {
  await closeContexts();
  await Promise.all(started.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('destination()', () => {
  it('names each stand-in by its portal id: two state folders are two destinations, one request each', async () => {
    const [a, b] = [await stand({ stateDir: folder() }), await stand({ stateDir: folder() })];
    expect(a.portalId).not.toBe(b.portalId);
    const ctx = await testContext({ dir });
    const sinkA = hubspotSink();
    const sinkB = hubspotSink();
    const destA = await sinkA.destination!(ctx, babyNamesConfig(a.baseUrl, a.token));
    const destB = await sinkB.destination!(ctx, babyNamesConfig(`${b.baseUrl}/`, b.token));
    expect(destA).toEqual({ id: `hubspot:portal:${a.portalId}`, label: `HubSpot portal ${a.portalId} (${a.baseUrl})` });
    expect(destB).toEqual({ id: `hubspot:portal:${b.portalId}`, label: `HubSpot portal ${b.portalId} (${b.baseUrl})` });
    expect(destA.id).not.toBe(destB.id);
    expect(a.stats().byRoute[DETAILS]).toBe(1);
    expect(b.stats().byRoute[DETAILS]).toBe(1);
    expect(ctx.counters.requests).toBe(2);
    // close() without setup() stops the limiter destination() built (a running one would keep the process alive).
    await sinkA.close!(ctx, babyNamesConfig(a.baseUrl, a.token), 'succeeded');
    await sinkB.close!(ctx, babyNamesConfig(b.baseUrl, b.token), 'succeeded');
  });

  it('stays the same for the same portal across restarts, and setup reuses the connection destination() made', async () => {
    const stateDir = folder();
    const first = await stand({ stateDir });
    const ctx = await testContext({ dir });
    const plugin = hubspotSink();
    const config = babyNamesConfig(first.baseUrl, first.token);
    const before = await plugin.destination!(ctx, config);
    await drive(plugin, ctx, config, names(5));
    expect(first.contacts()).toHaveLength(5);
    await first.close();
    started.splice(started.indexOf(first), 1);
    const again = await stand({ stateDir });
    const after = await hubspotSink().destination!(ctx, babyNamesConfig(again.baseUrl, again.token));
    expect(after.id).toBe(before.id);
  });

  for (const access of ['missing-scope', 'not-found'] as const) {
    it(`falls back to base URL + salted token hash when account-info answers ${access === 'missing-scope' ? 403 : 404}, and says so`, async () => {
      const hs = await stand({ accountInfo: access, token: 'pat-na1-secret-token-1' });
      const other = await stand({ accountInfo: access, token: 'pat-na1-secret-token-2' });
      const ctx = await testContext({ dir });
      const dest = await hubspotSink().destination!(ctx, babyNamesConfig(`${hs.baseUrl}/`, hs.token));
      expect(dest.id).toMatch(new RegExp(`^hubspot:${hs.baseUrl.replace(/[.:/]/g, '\\$&')}:token:[A-Za-z0-9_-]{22}$`));
      expect(dest.label).toContain(hs.baseUrl);
      expect(dest.note).toMatch(
        access === 'missing-scope' ? /may not read account-info \(403\)/ : /not available .*\(404\)/,
      );
      expect(dest.note).toMatch(/switching to another token counts as a new destination/);
      const shown = JSON.stringify([dest, ctx.lines]);
      expect(shown).not.toContain(hs.token);
      expect(shown).not.toContain('secret-token');
      // Salted: not a plain hash of the token, stable for the project, different for another token.
      const { createHash } = await import('node:crypto');
      expect(dest.id).not.toContain(createHash('sha256').update(hs.token).digest('base64url').slice(0, 22));
      expect(dest.id.endsWith(`:token:${ctx.hashSecret(hs.token)}`)).toBe(true);
      expect((await hubspotSink().destination!(ctx, babyNamesConfig(hs.baseUrl, hs.token))).id).toBe(dest.id);
      // Another token (of another stand-in here) is another destination.
      const otherDest = await hubspotSink().destination!(ctx, babyNamesConfig(other.baseUrl, other.token));
      expect(otherDest.id.endsWith(`:token:${ctx.hashSecret(other.token)}`)).toBe(true);
      expect(ctx.hashSecret(other.token)).not.toBe(ctx.hashSecret(hs.token));
    });
  }

  it('a refused token is the usual fatal HUBSPOT_UNAUTHORIZED, without the token in the message', async () => {
    const hs = await stand();
    const ctx = await testContext({ dir });
    const error = await hubspotSink().destination!(ctx, babyNamesConfig(hs.baseUrl, 'pat-wrong-token')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FatalError);
    expect((error as FatalError).code).toBe('HUBSPOT_UNAUTHORIZED');
    expect((error as Error).message).not.toContain('pat-wrong-token');
  });

  it('check() reports the portal id, or why it is unknown', async () => {
    const hs = await stand();
    const ctx = await testContext({ dir });
    const result = await hubspotSink().check!(ctx, babyNamesConfig(hs.baseUrl, hs.token));
    expect(result.message).toContain(`portal ${hs.portalId}`);
    expect(result.details).toMatchObject({ portalId: String(hs.portalId) });
    const denied = await stand({ accountInfo: 'missing-scope' });
    const fallback = await hubspotSink().check!(ctx, babyNamesConfig(denied.baseUrl, denied.token));
    expect(fallback.ok).toBe(true);
    expect(fallback.message).toMatch(/portal id unknown \(the access token may not read account-info \(403\)\)/);
  });
});

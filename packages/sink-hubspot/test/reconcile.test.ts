/**
 * `--reconcile` against the stand-in over real HTTP: contacts a person deleted or edited in HubSpot are found with one
 * batch/read per 100 ledger entries, dropped from the ledger, and sent again by the same run.
 */
import { describe, expect, it } from 'vitest';
import { EtlError } from '@etl/core';
import hubspotSink from '@etl/sink-hubspot';
import { testContext } from './helpers/context.js';
import { useSandbox } from './helpers/sandbox.js';
import { babyNamesConfig, drive, names } from './helpers/drive.js';

const READ = 'POST /crm/v3/objects/contacts/batch/read';
const UPSERT = 'POST /crm/v3/objects/contacts/batch/upsert';
const world = useSandbox('etl-hubspot-reconcile-');

/** A person's action in HubSpot, over the API like any client. */
async function api(method: string, path: string, body?: unknown): Promise<number> {
  const response = await fetch(`${world.sandbox().baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${world.sandbox().token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

const active = () =>
  world
    .sandbox()
    .contacts()
    .filter((c) => !c.archived);
const routes = () => ({ ...world.sandbox().stats().byRoute });
const delta = (before: Record<string, number>, route: string) =>
  (world.sandbox().stats().byRoute[route] ?? 0) - (before[route] ?? 0);
const ledgerKeys = (ctx: { state: { keys(): IterableIterator<string> } }) =>
  [...ctx.state.keys()].filter((k) => k.startsWith('c:')).sort();

/** First run: sends `records` and commits the ledger; returns the state folder's first context closed. */
async function firstRun(records = names(50), config = babyNamesConfig(world.sandbox().baseUrl, world.sandbox().token)) {
  const ctx = await testContext({ dir: world.dir() });
  const totals = await drive(hubspotSink(), ctx, config, records);
  expect(totals.written).toBe(records.length);
  await ctx.store.close();
}

describe('reconcile()', () => {
  it('restores exactly the 10 of 50 contacts deleted in HubSpot, with one read and one write', async () => {
    const config = babyNamesConfig(world.sandbox().baseUrl, world.sandbox().token);
    await firstRun(names(50), config);
    const doomed = active().slice(0, 10);
    expect(
      await api('POST', '/crm/v3/objects/contacts/batch/archive', { inputs: doomed.map((c) => ({ id: c.id })) }),
    ).toBe(204);
    expect(active()).toHaveLength(40);

    const before = routes();
    const requestsBefore = world.sandbox().stats().requests;
    const ctx = await testContext({ dir: world.dir(), reconcile: true });
    const plugin = hubspotSink();
    await plugin.setup!(ctx, config);
    const report = await plugin.reconcile!(ctx, config);
    expect(report).toEqual({ checked: 50, missing: 10, different: 0, reads: 1 });
    expect(ctx.counters).toMatchObject({ reconcileReads: 1, missing: 10 });
    expect(ctx.counters.different).toBeUndefined();
    // Exactly the deleted contacts' entries are gone.
    const doomedKeys = doomed.map((c) => `c:${c.properties.email}`).sort();
    expect(ledgerKeys(ctx)).toHaveLength(40);
    expect(ledgerKeys(ctx).filter((k) => doomedKeys.includes(k))).toEqual([]);
    await plugin.close!(ctx, config, 'succeeded');

    const totals = await drive(hubspotSink(), Object.assign(ctx, { reconcile: false }), config, names(50));
    expect(totals).toMatchObject({ written: 10, unchanged: 40, rejects: [] });
    expect(totals.details).toMatchObject({ created: 10, updated: 0 });
    expect(active()).toHaveLength(50);
    expect(new Set(active().map((c) => c.properties.email))).toEqual(
      new Set(
        names(50).map((r) => `name${String(r.name).slice(4)}.${String(r.sex).toLowerCase()}@babynames.example.com`),
      ),
    );
    expect(delta(before, READ)).toBe(1); // ≤ ceil(50 / 100)
    expect(delta(before, UPSERT)).toBe(1);
    // Nothing else but the property list (setup, twice: the reconcile session and the write session).
    expect(world.sandbox().stats().requests - requestsBefore).toBe(1 + 1 + 2);
  });

  it('in one run (setup → reconcile → writes) counts what it re-sent', async () => {
    const config = babyNamesConfig(world.sandbox().baseUrl, world.sandbox().token);
    await firstRun(names(50), config);
    const doomed = active().slice(20, 30);
    for (const contact of doomed) expect(await api('DELETE', `/crm/v3/objects/contacts/${contact.id}`)).toBe(204);
    const before = routes();
    const ctx = await testContext({ dir: world.dir(), reconcile: true });
    const totals = await drive(hubspotSink(), ctx, config, names(50));
    expect(totals.reconcile).toEqual({ checked: 50, missing: 10, different: 0, reads: 1 });
    expect(totals).toMatchObject({ written: 10, unchanged: 40 });
    expect(ctx.counters.resent).toBe(10);
    expect(delta(before, READ)).toBe(1);
    expect(delta(before, UPSERT)).toBe(1);
    expect(active()).toHaveLength(50);
  });

  it("counts a contact edited in HubSpot as different and sends the ledger's version again", async () => {
    const config = babyNamesConfig(world.sandbox().baseUrl, world.sandbox().token);
    await firstRun(names(50), config);
    const edited = active()[7];
    expect(
      await api('PATCH', `/crm/v3/objects/contacts/${edited.id}`, { properties: { firstname: 'Changed by a person' } }),
    ).toBe(200);
    const ctx = await testContext({ dir: world.dir(), reconcile: true });
    const totals = await drive(hubspotSink(), ctx, config, names(50));
    expect(totals.reconcile).toEqual({ checked: 50, missing: 0, different: 1, reads: 1 });
    expect(ctx.counters).toMatchObject({ different: 1, resent: 1 });
    expect(totals).toMatchObject({ written: 1, unchanged: 49 });
    expect(totals.details).toMatchObject({ created: 0, updated: 1 });
    expect(
      world
        .sandbox()
        .contacts()
        .find((c) => c.id === edited.id)?.properties.firstname,
    ).toBe(edited.properties.firstname);
  });

  it('finds nothing to re-send when HubSpot holds what the ledger claims (email case included), reading 100 a request', async () => {
    const base = babyNamesConfig(world.sandbox().baseUrl, world.sandbox().token);
    // A mixed-case email in the template: HubSpot stores it lowercased, which must not count as different.
    const config = {
      ...base,
      properties: { ...base.properties, email: '{{ name | slug }}.{{ sex }}@BabyNames.Example.com' },
    };
    await firstRun(names(250), config);
    const before = routes();
    const ctx = await testContext({ dir: world.dir(), reconcile: true });
    const totals = await drive(hubspotSink(), ctx, config, names(250));
    expect(totals.reconcile).toEqual({ checked: 250, missing: 0, different: 0, reads: 3 });
    expect(totals).toMatchObject({ written: 0, unchanged: 250 });
    expect(ctx.counters.resent).toBeUndefined();
    expect(ctx.counters.reconcileReads).toBe(3);
    expect(delta(before, READ)).toBe(3);
    expect(delta(before, UPSERT)).toBe(0);
  });

  it('stops before reading when the run is stopping', async () => {
    const config = babyNamesConfig(world.sandbox().baseUrl, world.sandbox().token);
    await firstRun(names(20), config);
    const stop = new AbortController();
    const ctx = await testContext({ dir: world.dir(), reconcile: true, signal: stop.signal });
    const plugin = hubspotSink();
    await plugin.setup!(ctx, config);
    stop.abort();
    const before = routes();
    const error = await plugin.reconcile!(ctx, config).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EtlError);
    expect((error as EtlError).retriable).toBe(true);
    expect(delta(before, READ)).toBe(0);
    expect(ledgerKeys(ctx)).toHaveLength(20);
    await plugin.close!(ctx, config, 'failed');
  });
});

describe('ctx.fresh', () => {
  it('no longer makes the sink ignore its ledger (the runtime empties it for a fresh lineage); fullRefresh still does', async () => {
    const config = babyNamesConfig(world.sandbox().baseUrl, world.sandbox().token);
    await firstRun(names(30), config);
    const ctx = await testContext({ dir: world.dir(), fresh: true });
    expect(await drive(hubspotSink(), ctx, config, names(30))).toMatchObject({ written: 0, unchanged: 30 });
    expect(await drive(hubspotSink(), ctx, { ...config, fullRefresh: true }, names(30))).toMatchObject({
      written: 30,
      unchanged: 0,
    });
  });
});

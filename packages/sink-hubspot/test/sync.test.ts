/** The sink against the HubSpot world.sandbox() over real HTTP: writes, ledger, dry run, rejects, properties, auth. */
import { describe, expect, it } from 'vitest';
import { ConfigError, FatalError } from '@etl/core';
import hubspotSink from '@etl/sink-hubspot';
import { testContext } from './helpers/context.js';
import { useSandbox } from './helpers/sandbox.js';
import { babyNamesConfig, drive, names } from './helpers/drive.js';

const world = useSandbox('etl-hubspot-');

const upserts = () => world.sandbox().stats().byRoute;
const byEmail = () =>
  new Map(
    world
      .sandbox()
      .contacts()
      .map((c) => [c.properties.email, c]),
  );

describe('hubspot sink against the sandbox', () => {
  it('creates the custom property, upserts every contact once, and a second run sends nothing', async () => {
    const config = babyNamesConfig(world.sandbox().baseUrl, world.sandbox().token);
    const records = names(420);
    const first = await testContext({ dir: world.dir() });
    const totals = await drive(hubspotSink(), first, config, records);
    expect(totals).toMatchObject({ written: 420, unchanged: 0, rejects: [] });
    expect(totals.details).toMatchObject({ created: 420, updated: 0 });
    expect(first.counters.propertiesCreated).toBe(1);
    expect(first.secrets).toContain(world.sandbox().token);

    const contacts = byEmail();
    expect(contacts.size).toBe(420);
    expect(world.sandbox().contacts()).toHaveLength(420);
    expect(contacts.get('name7.m@babynames.example.com')?.properties).toMatchObject({
      firstname: 'Name7',
      babyname_sex: 'M',
    });
    await first.store.close();

    // A new run over the same state folder: the ledger says nothing changed.
    const before = world.sandbox().stats().requests;
    const second = await testContext({ dir: world.dir() });
    const again = await drive(hubspotSink(), second, config, records);
    expect(again).toMatchObject({ written: 0, unchanged: 420, rejects: [] });
    expect(second.counters.propertiesCreated).toBeUndefined();
    expect(world.sandbox().stats().requests - before).toBe(1); // the property list, no upsert
    expect(world.sandbox().contacts()).toHaveLength(420);
    await second.store.close();
  });

  it('sends only changed records; fullRefresh resends everything', async () => {
    const base = babyNamesConfig(world.sandbox().baseUrl, world.sandbox().token);
    const config = { ...base, properties: { ...base.properties, lastname: 'count {{ count }}' } };
    const ctx = await testContext({ dir: world.dir() });
    await drive(hubspotSink(), ctx, config, names(150));
    const changed = names(150).map((r, i) => (i < 10 ? { ...r, count: 99 } : r));
    const second = await drive(hubspotSink(), ctx, config, changed);
    expect(second).toMatchObject({ written: 10, unchanged: 140 });
    expect(second.details).toMatchObject({ created: 0, updated: 10 });
    expect(byEmail().get('name3.m@babynames.example.com')?.properties.lastname).toBe('count 99');
    expect(byEmail().get('name30.f@babynames.example.com')?.properties.lastname).toBe('count 5');
    const refreshed = await drive(hubspotSink(), ctx, { ...config, fullRefresh: true }, changed);
    expect(refreshed).toMatchObject({ written: 150, unchanged: 0 });
    expect(world.sandbox().contacts()).toHaveLength(150);
    await ctx.store.close();
  });

  it('dry run reports would-create / would-update / unchanged and writes nothing', async () => {
    const config = babyNamesConfig(world.sandbox().baseUrl, world.sandbox().token);
    const ctx = await testContext({ dir: world.dir() });
    await drive(hubspotSink(), ctx, config, names(100));
    await ctx.store.close();

    const records = [...names(100).map((r, i) => (i < 30 ? { ...r, name: r.name, count: 1 } : r)), ...names(40, 100)];
    const changedMapping = { ...config, properties: { ...config.properties, lastname: '{{ count }}' } };
    const dry = await testContext({ dir: world.dir(), dryRun: true });
    const before = { contacts: world.sandbox().contacts().length, routes: JSON.stringify(upserts()) };
    const plan = await drive(hubspotSink(), dry, changedMapping, records);
    expect(plan.details).toEqual({ wouldCreate: 40, wouldUpdate: 100, unchanged: 0 });
    expect(world.sandbox().contacts()).toHaveLength(before.contacts);
    expect(
      world
        .sandbox()
        .contacts()
        .some((c) => c.properties.lastname),
    ).toBe(false);
    expect(
      Object.keys(upserts()).filter((route) => /upsert|create|update/.test(route) && !JSON.parse(before.routes)[route]),
    ).toEqual([]);

    await dry.store.close();
    const again = await testContext({ dir: world.dir(), dryRun: true });
    const sameMapping = await drive(hubspotSink(), again, config, records);
    expect(sameMapping.details).toEqual({ wouldCreate: 40, wouldUpdate: 0, unchanged: 100 });
    await again.store.close();
  });

  it("one invalid email in a batch of 100: 99 land, 1 is rejected with HubSpot's message and its location", async () => {
    const config = babyNamesConfig(world.sandbox().baseUrl, world.sandbox().token, {
      properties: { email: '{{ email }}', firstname: '{{ name }}' },
      ensureProperties: [],
    });
    const records = Array.from({ length: 100 }, (_, i) => ({
      name: `N${i}`,
      email: i === 57 ? 'not-an-email@@example' : `n${i}@example.com`,
    }));
    const ctx = await testContext({ dir: world.dir() });
    const totals = await drive(hubspotSink(), ctx, config, records, 100);
    expect(totals.written).toBe(99);
    expect(totals.rejects).toHaveLength(1);
    expect(totals.rejects[0].location).toBe('names.csv:59');
    expect(totals.rejects[0].reason).toMatch(/HubSpot rejected the contact: .*invalid/i);
    expect(world.sandbox().contacts()).toHaveLength(99);
    expect(byEmail().has('not-an-email@@example')).toBe(false);
  });

  it('refuses to start when a mapped property does not exist, before any contact is written', async () => {
    const config = babyNamesConfig(world.sandbox().baseUrl, world.sandbox().token, { ensureProperties: [] });
    const ctx = await testContext({ dir: world.dir() });
    const error = await drive(hubspotSink(), ctx, config, names(10)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('property "babyname_sex" does not exist');
    expect((error as ConfigError).suggestions.join(' ')).toContain('ensureProperties');
    expect(world.sandbox().contacts()).toHaveLength(0);
  });

  it('stops at once on a wrong token, saying which one, without printing it', async () => {
    const wrong = 'pat-na1-00000000-wrong-token';
    const config = babyNamesConfig(world.sandbox().baseUrl, wrong);
    const ctx = await testContext({ dir: world.dir() });
    const error = (await drive(hubspotSink(), ctx, config, names(10)).catch((e: unknown) => e)) as FatalError;
    expect(error).toBeInstanceOf(FatalError);
    expect(error.code).toBe('HUBSPOT_UNAUTHORIZED');
    expect(error.suggestions.join(' ')).toContain('HUBSPOT_ACCESS_TOKEN');
    expect(JSON.stringify([error.message, error.suggestions, error.context, ctx.lines])).not.toContain(wrong);
    expect(world.sandbox().stats().requests).toBe(1);
  });

  it('limit caps how many contacts a run sends', async () => {
    const config = babyNamesConfig(world.sandbox().baseUrl, world.sandbox().token, { limit: 50 });
    const ctx = await testContext({ dir: world.dir() });
    const totals = await drive(hubspotSink(), ctx, config, names(180), 40);
    expect(totals.written).toBe(50);
    expect(totals.details.skippedByLimit).toBe(130);
    expect(totals.skipped).toBe(130);
    expect(world.sandbox().contacts()).toHaveLength(50);
  });

  it('on abort it stops sending, fails the write, and the ledger holds exactly what HubSpot acknowledged', async () => {
    const config = babyNamesConfig(world.sandbox().baseUrl, world.sandbox().token, {
      rate: { max: 3, per: '1s' },
      concurrency: 1,
    });
    const controller = new AbortController();
    const ctx = await testContext({ dir: world.dir(), signal: controller.signal });
    const plugin = hubspotSink();
    await plugin.setup!(ctx, config);
    const records = names(1000);
    const batch = {
      records,
      refs: records.map((_, index) => ({ seq: 1, index })),
      locate: (i: number) => `names.csv:${i + 2}`,
      checkpoint: null,
    };
    const writing = plugin.write(ctx, config, batch);
    while (world.sandbox().contacts().length === 0) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await expect(writing).rejects.toMatchObject({ code: 'HTTP_STOPPED' });
    await plugin.close!(ctx, config, 'interrupted');
    const held = world.sandbox().contacts().length;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(1000);
    expect([...ctx.state.keys()].filter((k) => k.startsWith('c:'))).toHaveLength(held);
  });

  it('check() reaches HubSpot and reports the rate-limit headers', async () => {
    const ctx = await testContext({ dir: world.dir() });
    const result = await hubspotSink().check!(ctx, babyNamesConfig(world.sandbox().baseUrl, world.sandbox().token));
    expect(result.ok).toBe(true);
    expect(result.message).toMatch(/requests left per 1 s/);
    expect(result.details).toMatchObject({ rateLimit: { max: 1000, intervalMs: 1000 } });
  });
});

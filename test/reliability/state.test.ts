/**
 * State that cannot lie: one project folder used as a user would, against destinations that change under it.
 * - A second HubSpot portal gets every contact (the ledger is bound to the portal), after demo runs and after kills.
 * - `--reconcile` re-sends exactly what a person deleted in HubSpot, at one read per 100 ledger entries.
 * - A `--fresh` lineage that is killed and resumed still does not trust the ledger from before it.
 * - An interrupted run whose input (a new dataset version) or `settings.batchSize` changed is not resumed by
 *   position: a new lineage starts, says why, and the data ends exact.
 * - Two runs started at once in one project: exactly one runs, the other is refused (PIPELINE_LOCKED).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '@etl/sandbox';
import {
  expectedOf,
  expectedOfFile,
  fullDatasetZip,
  generateCsv,
  openZipEntry,
  zipCsv,
  type Expected,
} from '../helpers/reliability-data.js';
import {
  buildWorkspace,
  longRun,
  parseJson,
  removeTemps,
  sleep,
  suiteSeed,
  tableFingerprint,
  tempDir,
  waitFor,
} from '../helpers/reliability-env.js';
import { contactEmails, startStack, type Stack } from '../helpers/reliability-stack.js';

const seed = suiteSeed('state');
const stacks: Stack[] = [];
const portals: HubspotSandbox[] = [];
/** 3,000 names × 2 sexes × 20 years (6,000 contacts), and v2 of it with 100 more names (inserted rows shift every position). */
let v1: { zip: string; expected: Expected };
let v2: { zip: string; expected: Expected };

beforeAll(async () => {
  await buildWorkspace();
  const dir = tempDir();
  const make = async (name: string, names: number) => {
    const csv = join(dir, `${name}.csv`);
    generateCsv(csv, { names, years: 20, seed: seed % 1000 });
    const zip = join(dir, `${name}.zip`);
    await zipCsv(csv, zip);
    return { zip, expected: await expectedOfFile(csv) };
  };
  v1 = await make('v1', 3000);
  v2 = await make('v2', 3100);
}, 300_000);

afterAll(async () => {
  await Promise.allSettled([...stacks.map((s) => s.close()), ...portals.map((p) => p.close())]);
  removeTemps();
});

/** The real SSA file, for the long version. */
async function realDataset(): Promise<{ zip: string; expected: Expected }> {
  const zip = fullDatasetZip();
  if (!zip)
    throw new Error(
      'ETL_RELIABILITY=long needs ../shared/data/us-baby-names-by-year-of-birth.zip (or /work/shared/data/…)',
    );
  return { zip, expected: await expectedOf(await openZipEntry(zip)) };
}

async function newStack(label: string, dataset?: string, rate = { max: 100, per: '10s' }): Promise<Stack> {
  const stack = await startStack({ label, dataset, rate });
  stacks.push(stack);
  return stack;
}

/** A second, empty HubSpot account (its own portal id), with the same token and rate as the stack's. */
async function secondPortal(stack: Stack): Promise<HubspotSandbox> {
  const portal = await startHubspotSandbox({ token: stack.hubspot.token, rate: `${stack.env.HUBSPOT_RATE_MAX}/10s` });
  portals.push(portal);
  expect(portal.portalId).not.toBe(stack.hubspot.portalId);
  return portal;
}

const live = (hubspot: HubspotSandbox) => contactEmails(hubspot);
const hubspotStep = (summary: any) => summary.steps.find((s: any) => s.step === 'hubspot');
const mysqlStep = (summary: any) => summary.steps.find((s: any) => s.step === 'mysql');

/** A request a person's own tool makes to HubSpot, waiting out 429s (the window is shared with the runs); the status. */
async function asAPerson(hubspot: HubspotSandbox, method: string, path: string, body?: string): Promise<number> {
  for (;;) {
    const response = await fetch(`${hubspot.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${hubspot.token}`, 'content-type': 'application/json' },
      ...(body ? { body } : {}),
    });
    if (response.status !== 429) return response.status;
    await sleep(1000);
  }
}

/** Runs to the end; expects exit 0 and returns the summary. */
async function runOk(stack: Stack, args: string[], env: Record<string, string> = {}): Promise<any> {
  const result = await stack.run(args, env).done;
  const summary = parseJson(result);
  expect({ code: result.code, error: summary.error?.message }).toEqual({ code: 0, error: undefined });
  return summary;
}

/** Starts a run, SIGKILLs it once `ready()` holds, and waits for it to die. */
async function killWhen(
  stack: Stack,
  args: string[],
  ready: () => boolean | Promise<boolean>,
  env: Record<string, string> = {},
): Promise<void> {
  const run = stack.run(args, env);
  let exited = false;
  run.done.then(() => (exited = true));
  expect(await waitFor(async () => exited || (await ready()), 180_000, 50)).toBeTruthy();
  if (exited) {
    const result = await run.done;
    throw new Error(
      `the run ended (exit ${result.code}) before it could be killed:\n${result.stdout.slice(-1500)}\n${result.stderr.slice(-1500)}`,
    );
  }
  run.child.kill('SIGKILL');
  expect((await run.done).signal).toBe('SIGKILL');
}

describe('a second HubSpot portal from the same project', () => {
  test('demo to portal A, then demo to an empty portal B: B gets all 50, A is untouched', async () => {
    const stack = await newStack('dest_demo');
    const first = await runOk(stack, ['--profile', 'demo']);
    expect(hubspotStep(first)).toMatchObject({
      written: 50,
      destination: { id: `hubspot:portal:${stack.hubspot.portalId}`, known: false },
    });
    const aBefore = { contacts: live(stack.hubspot).emails.size, requests: stack.hubspot.stats().requests };
    expect(aBefore.contacts).toBe(50);

    const b = await secondPortal(stack);
    const second = await runOk(stack, ['--profile', 'demo'], { HUBSPOT_BASE_URL: b.baseUrl });
    expect(second.upToDate).toBe(false);
    expect(hubspotStep(second)).toMatchObject({
      written: 50,
      unchanged: 0,
      destination: { id: `hubspot:portal:${b.portalId}`, known: false },
    });
    expect(mysqlStep(second)).toMatchObject({ written: 0 });
    expect(mysqlStep(second).unchanged).toBeGreaterThan(2900);
    expect(live(b)).toMatchObject({ duplicates: [] });
    expect(live(b).emails.size).toBe(50);
    expect({ contacts: live(stack.hubspot).emails.size, requests: stack.hubspot.stats().requests }).toEqual(aBefore);

    // Back to A: its ledger is still its own, so nothing is sent there again.
    const third = await runOk(stack, ['--profile', 'demo']);
    expect(hubspotStep(third)).toMatchObject({ written: 0, unchanged: 50, destination: { known: true } });
  }, 300_000);

  test('a full run to A killed mid-HubSpot, then the same command against an empty B: every contact in B, once', async () => {
    // Long version: the real file (111,472 contacts) at a sandboxed 400 / 10 s; short: 6,000 contacts at 60 / 10 s.
    const data = longRun ? await realDataset() : v1;
    const stack = await newStack('dest_full', data.zip, longRun ? { max: 400, per: '10s' } : { max: 60, per: '10s' });
    const total = data.expected.emails.size;
    for (const at of [total * 0.2, total * 0.45, total * 0.7]) {
      await killWhen(stack, ['--profile', 'full'], () => live(stack.hubspot).emails.size >= at);
    }
    const inA = live(stack.hubspot).emails.size;
    expect(inA).toBeGreaterThan(0);
    expect(inA).toBeLessThan(total);

    const b = await secondPortal(stack);
    const summary = await runOk(stack, ['--profile', 'full'], { HUBSPOT_BASE_URL: b.baseUrl });
    // The interrupted lineage wrote to A: its positions say nothing about B, so it is not resumed.
    expect(summary.restarted).toContain(`now writes to HubSpot portal ${b.portalId}`);
    const inB = live(b);
    expect(inB.duplicates).toEqual([]);
    expect(inB.emails.size).toBe(total);
    expect([...data.expected.emails].filter((e) => !inB.emails.has(e))).toEqual([]);
    expect(live(stack.hubspot).emails.size).toBe(inA);
    expect(await tableFingerprint(stack.db.url)).toEqual({
      rows: data.expected.rows,
      checksum: data.expected.checksum,
    });
    console.log(
      `[reliability] state: ${total} contacts; killed with ${inA} in A; B got ${inB.emails.size}, 0 duplicates`,
    );
  }, 600_000);
});

describe('--reconcile', () => {
  test('after a person deletes 10 of the 50 demo contacts: exactly those 10 come back, for 1 read and 1 write', async () => {
    const stack = await newStack('reconcile');
    await runOk(stack, ['--profile', 'demo']);
    const held = stack.hubspot.contacts().filter((c) => !c.archived);
    const deleted = held.slice(5, 15);
    for (const contact of deleted)
      expect(await asAPerson(stack.hubspot, 'DELETE', `/crm/v3/objects/contacts/${contact.id}`)).toBe(204);
    expect(live(stack.hubspot).emails.size).toBe(40);
    // Without --reconcile the run is up to date: the ledger still claims all 50.
    expect((await runOk(stack, ['--profile', 'demo'])).upToDate).toBe(true);

    const before = { ...stack.hubspot.stats().byRoute };
    const summary = await runOk(stack, ['--profile', 'demo', '--reconcile']);
    const after = stack.hubspot.stats().byRoute;
    const spent = (route: string) => (after[route] ?? 0) - (before[route] ?? 0);
    expect(hubspotStep(summary)).toMatchObject({
      written: 10,
      unchanged: 40,
      reconcile: { checked: 50, missing: 10, different: 0, reads: 1 },
    });
    expect(hubspotStep(summary).counters.resent).toBe(10);
    expect(spent('POST /crm/v3/objects/contacts/batch/read')).toBe(1);
    expect(spent('POST /crm/v3/objects/contacts/batch/upsert')).toBe(1);
    const now = live(stack.hubspot);
    expect(now.emails.size).toBe(50);
    expect(now.duplicates).toEqual([]);
    for (const contact of deleted) expect(now.emails.has(String(contact.properties.email))).toBe(true);
  }, 300_000);
});

describe('--fresh, killed, resumed', () => {
  test('a resumed fresh lineage does not trust the ledger from before it: the emptied portal gets every contact back', async () => {
    const stack = await newStack('fresh', v1.zip, { max: 60, per: '10s' });
    const total = v1.expected.emails.size;
    await runOk(stack, ['--profile', 'full']);
    // A person empties the portal (same account, so the same destination), over the API like any client.
    const ids = stack.hubspot
      .contacts()
      .filter((c) => !c.archived)
      .map((c) => ({ id: c.id }));
    for (let i = 0; i < ids.length; i += 100) {
      const body = JSON.stringify({ inputs: ids.slice(i, i + 100) });
      expect(await asAPerson(stack.hubspot, 'POST', '/crm/v3/objects/contacts/batch/archive', body)).toBe(204);
    }
    expect(live(stack.hubspot).emails.size).toBe(0);

    await killWhen(stack, ['--profile', 'full', '--fresh'], () => live(stack.hubspot).emails.size >= total * 0.3);
    const resumed = await runOk(stack, ['--profile', 'full']);
    expect(resumed).toMatchObject({ resumed: true, fresh: true });
    const now = live(stack.hubspot);
    expect(now.duplicates).toEqual([]);
    expect(now.emails.size).toBe(total);
  }, 600_000);
});

describe('an interrupted run whose input or batch size changed', () => {
  test('a new dataset version between the kill and the next run: a new lineage, and MySQL holds exactly the new version', async () => {
    const stack = await newStack('new_version', v1.zip);
    await killWhen(
      stack,
      ['--profile', 'mysql-only', '--set', 'steps.mysql.batchSize=2000'],
      async () => (await tableFingerprint(stack.db.url)).rows >= 30_000,
    );
    expect(await stack.kaggle.publishVersion(v2.zip)).toBe(2);
    const summary = await runOk(stack, ['--profile', 'mysql-only', '--set', 'steps.mysql.batchSize=2000']);
    expect(summary.resumed).toBe(false);
    expect(summary.restarted).toMatch(/the input changed \(it was .*version 1.*; it is now .*version 2/);
    expect(await tableFingerprint(stack.db.url)).toEqual({ rows: v2.expected.rows, checksum: v2.expected.checksum });
  }, 300_000);

  test('a larger settings.batchSize after a kill while HubSpot lags: a new lineage, no row skipped', async () => {
    // HubSpot's contacts all come from the first batches and it is slow, so it holds the resume point back while
    // MySQL runs far ahead: resuming by position with bigger batches would skip rows MySQL never wrote.
    // At 30 / 10 s the 60 requests of 6,000 contacts take 20 s; MySQL passes 60,000 rows in a few.
    const stack = await newStack('batch_size', v1.zip, { max: 30, per: '10s' });
    await killWhen(stack, ['--profile', 'full'], async () => (await tableFingerprint(stack.db.url)).rows >= 60_000);
    expect(live(stack.hubspot).emails.size).toBeLessThan(v1.expected.emails.size);
    const summary = await runOk(stack, ['--profile', 'full', '--set', 'settings.batchSize=20000']);
    expect(summary.restarted).toContain('settings.batchSize changed from 5000 to 20000');
    expect(await tableFingerprint(stack.db.url)).toEqual({ rows: v1.expected.rows, checksum: v1.expected.checksum });
    const now = live(stack.hubspot);
    expect(now.duplicates).toEqual([]);
    expect(now.emails.size).toBe(v1.expected.emails.size);
  }, 600_000);
});

describe('two runs at once in one project', () => {
  test('exactly one runs; the other is refused with PIPELINE_LOCKED and changes nothing', async () => {
    const stack = await newStack('two_at_once', v1.zip);
    const rounds = longRun ? 5 : 2;
    for (let round = 0; round < rounds; round++) {
      const runs = [
        stack.run(['--profile', 'mysql-only', '--fresh']),
        stack.run(['--profile', 'mysql-only', '--fresh']),
      ];
      const results = await Promise.all(runs.map((r) => r.done));
      const summaries = results.map((r) => parseJson(r));
      const codes = results.map((r) => r.code).sort();
      expect(codes).toEqual([0, 5]);
      const refused = summaries.find((s) => s.status === 'failed');
      expect(refused.error.code).toBe('PIPELINE_LOCKED');
      await sleep(50);
    }
    expect(await tableFingerprint(stack.db.url)).toEqual({ rows: v1.expected.rows, checksum: v1.expected.checksum });
  }, 300_000);
});

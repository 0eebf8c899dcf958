/**
 * The sink through the real runtime against the Pipedrive stand-in over HTTP: rejects with reasons, changed records
 * patched, the ledger bound to the company, `--reconcile`, a dry run that spends only users/me, OAuth, and `etl check`
 * telling a wrong token from a missing scope.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { type EtlError, ExitCode, runPipeline, type DataRecord, type RunOptions, type StepSummary } from '@etl/core';
import { startPipedriveSandbox, type PipedriveSandbox, type PipedriveSandboxOptions } from '@etl/sandbox';
import pipedriveSink, { type PipedriveConfig } from '@etl/sink-pipedrive';
import { createTestContext, memorySource, resolvedPipeline } from '@etl/testing';
import { babyNamesConfig, names } from './helpers/babynames.js';

const open: PipedriveSandbox[] = [];
async function standIn(options: PipedriveSandboxOptions = {}): Promise<PipedriveSandbox> {
  const pd = await startPipedriveSandbox({ host: '127.0.0.1', port: 0, burst: 1000, ...options });
  open.push(pd);
  return pd;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((pd) => pd.close()));
});

async function run(
  records: DataRecord[],
  config: PipedriveConfig,
  stateDir: string,
  options: Partial<RunOptions> = {},
): Promise<StepSummary> {
  const pipeline = resolvedPipeline('pd', {
    source: { plugin: memorySource(records, { batchSize: 50 }) },
    pipedrive: { plugin: pipedriveSink(), input: 'source', config: config as unknown as DataRecord },
  });
  const summary = await runPipeline(pipeline, { stateDir, ...options });
  if (summary.status !== 'succeeded') throw new Error(`run ${summary.status}: ${JSON.stringify(summary.error)}`);
  return summary.steps.find((s) => s.step === 'pipedrive')!;
}

const live = (pd: PipedriveSandbox) => pd.persons().filter((p) => !p.isDeleted);
const tempState = () => mkdtempSync(join(tmpdir(), 'etl-pd-sync-'));

describe('pipedrive sink', () => {
  test('rejects bad records with reasons, patches changed ones, and sends nothing unchanged', async () => {
    const pd = await standIn();
    const state = tempState();
    const config = babyNamesConfig(pd.baseUrl, pd.token);
    const records = [
      ...names(20),
      { name: 'Nomail', sex: 'F', email: 'not-an-email' },
      { ...names(1, 99)[0], sex: 'X' },
    ];
    const first = await run(records, config, state);
    expect(first.written).toBe(20);
    expect(first.rejected).toBe(2);
    expect(live(pd)).toHaveLength(20);

    // Two records change their name; the rest stay as they were.
    const changed = names(20).map((r, i) => (i < 2 ? { ...r, name: `${r.name} Jr` } : r));
    const second = await run(changed, config, state, { fresh: false });
    expect(second.counters).toMatchObject({ updated: 2, created: 0, writeTokens: 10 });
    expect(second.unchanged).toBe(18);
    expect(live(pd).find((p) => p.emails[0]?.value === 'name0.f@babynames.example.com')?.name).toBe('Name0 Jr');
    expect(live(pd)).toHaveLength(20);
  });

  test('the ledger is bound to the company: a second company gets every person', async () => {
    const a = await standIn();
    const b = await standIn();
    const state = tempState();
    await run(names(10), babyNamesConfig(a.baseUrl, a.token), state);
    const toB = await run(names(10), babyNamesConfig(b.baseUrl, b.token), state);
    expect(toB.counters.created).toBe(10);
    expect(live(b)).toHaveLength(10);
    expect(toB.destination?.id).toBe(`pipedrive:company:${b.companyId}`);
  });

  test('--reconcile finds a person deleted in Pipedrive and sends it again', async () => {
    const pd = await standIn();
    const state = tempState();
    const config = babyNamesConfig(pd.baseUrl, pd.token);
    await run(names(10), config, state);
    const victim = live(pd)[3]!;
    await fetch(`${pd.baseUrl}/api/v2/persons/${victim.id}`, {
      method: 'DELETE',
      headers: { 'x-api-token': pd.token },
    });
    const again = await run(names(10), config, state, { reconcile: true });
    expect(again.counters).toMatchObject({ created: 1, resent: 1 });
    expect(live(pd)).toHaveLength(10);
  });

  test('a dry run says the plan and its cost and spends only users/me', async () => {
    const pd = await standIn();
    const dry = await run(names(30), babyNamesConfig(pd.baseUrl, pd.token), tempState(), { dryRun: true });
    expect(dry.counters).toMatchObject({ wouldCreateOrPatch: 30, plannedTokens: 30 * 5 + 10, tokens: 2 });
    expect(pd.stats().tokensSpent).toBe(2);
    expect(live(pd)).toHaveLength(0);
  });

  test('OAuth bearer tokens work, at the OAuth burst limit', async () => {
    const pd = await standIn();
    const config = babyNamesConfig(pd.baseUrl, '', { apiToken: undefined, oauthToken: pd.oauthToken });
    const summary = await run(names(5), config, tempState());
    expect(summary.counters.created).toBe(5);
  });

  test('OAuth answers carry no x-daily-requests-left: a 429 of the budget stops the run (exit 6) with the reset time', async () => {
    const pd = await standIn({ dailyTokens: 200 });
    const config = babyNamesConfig(pd.baseUrl, '', { apiToken: undefined, oauthToken: pd.oauthToken });
    const pipeline = resolvedPipeline('pd', {
      source: { plugin: memorySource(names(60), { batchSize: 50 }) },
      pipedrive: { plugin: pipedriveSink(), input: 'source', config: config as unknown as DataRecord },
    });
    const summary = await runPipeline(pipeline, { stateDir: tempState() });
    expect(summary.status).toBe('failed');
    expect(summary.error?.exitCode).toBe(ExitCode.retriesExhausted);
    expect(summary.error?.code).toBe('PIPEDRIVE_DAILY_BUDGET');
    expect(summary.error?.message).toMatch(/resets at \d{4}-\d\d-\d\dT00:00:00Z\. Left to send: \d+ persons/);
    expect(pd.stats().rateLimited.daily_budget).toBeGreaterThanOrEqual(1);
    // 200 tokens: users/me 2, fields 10 + 5, a listing 10, then 34 creates (170); the 35th is refused.
    expect(live(pd)).toHaveLength(34);
  });

  test('etl check: 401 says the token is wrong, 403 names the missing scope', async () => {
    const pd = await standIn({ scopes: ['base', 'contacts:read'] });
    const check = async (token: string) => {
      const ctx = await createTestContext();
      try {
        return await pipedriveSink().check!(ctx, babyNamesConfig(pd.baseUrl, token));
      } catch (error) {
        return error as EtlError;
      } finally {
        await ctx.dispose();
      }
    };
    const wrong = (await check('nope')) as EtlError;
    expect(wrong.code).toBe('PIPEDRIVE_UNAUTHORIZED');
    expect(wrong.message).toMatch(/401.*wrong or revoked/);
    const ok = await check(pd.token);
    expect(ok).toMatchObject({ ok: true });

    const narrow = await standIn({ scopes: ['base'] });
    const ctx = await createTestContext();
    const scope = await pipedriveSink().check!(ctx, babyNamesConfig(narrow.baseUrl, narrow.token)).catch(
      (e: EtlError) => e,
    );
    await ctx.dispose();
    expect((scope as EtlError).code).toBe('PIPEDRIVE_MISSING_SCOPE');
    expect((scope as EtlError).suggestions.join(' ')).toMatch(/contacts:read/);
  });
});

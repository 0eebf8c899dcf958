/**
 * The babynames-pipedrive pipeline as a user runs it, with the real CLI process over HTTP:
 * - `etl run babynames-pipedrive --profile demo --sandbox`: 50 persons with the sex field; run again, and fresh (no
 *   ledger): 0 write tokens.
 * - `limit` 2,000 against a stand-in whose daily budget covers about 1,000 creates: the run stops at the budget with
 *   exit 6, says when it resets and what is left; once the stand-in's day rolls over, the next run ends at exactly 2,000.
 * - killed (SIGKILL) mid-run, then run again: every person exactly once.
 * The last two use a generated dataset of 2,200 distinct names (the committed sample has fewer), served by a Kaggle
 * stand-in over its API, and a Pipedrive stand-in whose burst limit is raised: pacing is not their subject.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunSummary } from '@etl/core';
import {
  startKaggleSandbox,
  startPipedriveSandbox,
  type KaggleSandbox,
  type PipedrivePerson,
  type PipedriveSandbox,
} from '@etl/sandbox';
import { generateCsv, zipCsv } from '../helpers/reliability-data.js';
import { cliBin, repoRoot } from '../helpers/paths.js';

const exec = promisify(execFile);

/** A fresh project folder that finds the repository's pipelines. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'etl-pd-'));
  writeFileSync(join(dir, 'etl.config.json'), JSON.stringify({ pipelinesDir: join(repoRoot, 'pipelines') }));
  return dir;
}

interface Outcome {
  code: number;
  summary?: RunSummary;
  stderr: string;
}

async function etl(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const options = {
    cwd,
    env: { ...process.env, KAGGLE_API_TOKEN: '', KAGGLE_USERNAME: '', KAGGLE_KEY: '', HOME: cwd, ...env },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 5 * 60_000,
  };
  const parse = (stdout: string) => (stdout.trim() ? (JSON.parse(stdout) as RunSummary) : undefined);
  try {
    const { stdout, stderr } = await exec('node', [cliBin, 'run', 'babynames-pipedrive', '--json', ...args], options);
    return { code: 0, summary: parse(stdout), stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, summary: parse(e.stdout ?? ''), stderr: e.stderr ?? '' };
  }
}

const live = (persons: PipedrivePerson[]) => persons.filter((p) => !p.isDeleted);
const emails = (persons: PipedrivePerson[]) => live(persons).map((p) => p.emails[0]?.value);
const counters = (summary: RunSummary | undefined) =>
  summary?.steps.find((s) => s.step === 'pipedrive')?.counters ?? {};

describe('etl run babynames-pipedrive --profile demo --sandbox', () => {
  const cwd = project();
  const stand = () => startPipedriveSandbox({ stateDir: join(cwd, '.etl', 'sandbox', 'pipedrive') });
  let first: Outcome;

  beforeAll(async () => {
    first = await etl(cwd, ['--profile', 'demo', '--sandbox']);
  }, 5 * 60_000);

  test('creates 50 persons, each with its name, email and the "Baby name sex" option', async () => {
    expect(first.code, first.stderr).toBe(0);
    expect(counters(first.summary)).toMatchObject({ created: 50, fieldChanges: 1 });
    const pd = await stand();
    try {
      const persons = live(pd.persons());
      expect(persons).toHaveLength(50);
      expect(new Set(emails(persons)).size).toBe(50);
      const field = (await (
        await fetch(`${pd.baseUrl}/api/v2/personFields`, { headers: { 'x-api-token': pd.token } })
      ).json()) as {
        data: Array<{ field_code: string; field_name: string; options: Array<{ id: number; label: string }> | null }>;
      };
      const sex = field.data.find((f) => f.field_name === 'Baby name sex')!;
      expect(sex.options?.map((o) => o.label)).toEqual(['F', 'M']);
      const label = new Map(sex.options!.map((o) => [o.id, o.label]));
      for (const p of persons) {
        const email = p.emails[0]!.value;
        const value = label.get(p.customFields[sex.field_code] as number);
        expect(email).toBe(`${p.name.toLowerCase()}.${value?.toLowerCase()}@babynames.example.com`);
      }
    } finally {
      await pd.close();
    }
  });

  test(
    'a second run spends no write tokens, nor does a fresh one that has no ledger (one listing instead)',
    async () => {
      const again = await etl(cwd, ['--profile', 'demo', '--sandbox']);
      expect(again.code, again.stderr).toBe(0);
      expect(counters(again.summary).writeTokens ?? 0).toBe(0);
      const fresh = await etl(cwd, ['--profile', 'demo', '--sandbox', '--fresh']);
      expect(fresh.code, fresh.stderr).toBe(0);
      expect(counters(fresh.summary)).toMatchObject({ personsListed: 50 });
      expect(counters(fresh.summary).writeTokens ?? 0).toBe(0);
      expect(fresh.summary?.steps.find((s) => s.step === 'pipedrive')?.unchanged).toBe(50);
    },
    5 * 60_000,
  );
});

describe('with 2,200 distinct names', () => {
  let kaggle: KaggleSandbox;
  const work = mkdtempSync(join(tmpdir(), 'etl-pd-data-'));

  beforeAll(async () => {
    const csv = join(work, 'names.csv');
    generateCsv(csv, { names: 1100, years: 1, seed: 3 });
    await zipCsv(csv, join(work, 'names.zip'));
    kaggle = await startKaggleSandbox({ dataset: join(work, 'names.zip'), host: '127.0.0.1', port: 0 });
  }, 120_000);
  afterAll(async () => {
    await kaggle?.close();
  });

  const envFor = (pd: PipedriveSandbox) => ({
    KAGGLE_BASE_URL: kaggle.baseUrl,
    KAGGLE_MODE: 'api',
    KAGGLE_API_TOKEN: kaggle.credentials.token,
    PIPEDRIVE_BASE_URL: pd.baseUrl,
    PIPEDRIVE_API_TOKEN: pd.token,
  });

  test(
    'limit 2,000 on a budget of about 1,000 creates: exit 6 at the budget, then exactly 2,000 the next day',
    async () => {
      // 6,000 tokens: users/me, the fields and a listing, then about 1,190 creates at 5 tokens.
      const pd = await startPipedriveSandbox({ host: '127.0.0.1', port: 0, burst: 1000, dailyTokens: 6000 });
      const cwd = project();
      const args = ['--set', 'steps.pipedrive.config.limit=2000', '--set', 'steps.pipedrive.config.rateMax=1000'];
      try {
        const stopped = await etl(cwd, args, envFor(pd));
        expect(stopped.code, stopped.stderr).toBe(6);
        expect(stopped.stderr).toMatch(/daily token budget is spent/);
        expect(stopped.stderr).toMatch(/resets at \d{4}-\d\d-\d\dT00:00:00Z/);
        expect(stopped.stderr).toMatch(/Left to send: \d+ persons of this batch/);
        const day1 = live(pd.persons()).length;
        expect(day1).toBeGreaterThan(900);
        expect(day1).toBeLessThan(2000);
        expect(pd.stats().tokensSpent).toBeLessThanOrEqual(6000);
        // At most the one request that met the empty budget was refused; the rest stopped before sending.
        expect(pd.stats().rateLimited.daily_budget ?? 0).toBeLessThanOrEqual(1);

        const again = await etl(cwd, args, envFor(pd));
        expect(again.code, 'the same day: still no budget').toBe(6);
        expect(live(pd.persons()).length).toBe(day1);

        pd.advanceDay();
        const resumed = await etl(cwd, args, envFor(pd));
        expect(resumed.code, resumed.stderr).toBe(0);
        expect(resumed.summary?.resumed).toBe(true);
        const all = emails(pd.persons());
        expect(all).toHaveLength(2000);
        expect(new Set(all).size).toBe(2000);
        expect(counters(resumed.summary).created).toBe(2000 - day1);
      } finally {
        await pd.close();
      }
    },
    10 * 60_000,
  );

  test(
    'killed mid-run (SIGKILL), then run again: every person exactly once',
    async () => {
      const pd = await startPipedriveSandbox({ host: '127.0.0.1', port: 0, burst: 300 });
      const cwd = project();
      const args = ['--set', 'steps.pipedrive.config.rateMax=300'];
      try {
        const child = spawn('node', [cliBin, 'run', 'babynames-pipedrive', '--json', ...args], {
          cwd,
          env: { ...process.env, HOME: cwd, ...envFor(pd) },
          stdio: 'ignore',
        });
        const exited = new Promise<number | null>((resolve) =>
          child.on('exit', (code, signal) => resolve(signal ? -1 : code)),
        );
        while (live(pd.persons()).length < 600 && child.exitCode === null) await sleep(20);
        child.kill('SIGKILL');
        expect(await exited, 'killed before it finished').toBe(-1);
        const before = live(pd.persons()).length;
        expect(before).toBeGreaterThanOrEqual(600);
        expect(before).toBeLessThan(2200);

        const resumed = await etl(cwd, args, envFor(pd));
        expect(resumed.code, resumed.stderr).toBe(0);
        const all = emails(pd.persons());
        expect(all).toHaveLength(2200);
        expect(new Set(all).size).toBe(2200);
      } finally {
        await pd.close();
      }
    },
    10 * 60_000,
  );
});

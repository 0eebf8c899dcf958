/**
 * The babynames pipeline end to end, as a user runs it: `etl run babynames --profile demo --sandbox` in a fresh working
 * folder, then again (up to date: nothing to do), then with a higher HubSpot limit (only the new contacts are sent). Real CLI process, real Chromium login, real MariaDB, the sandbox's HubSpot over HTTP.
 * With ../shared/data present it loads the full 2,020,863-row file, as the demo does; else the committed sample.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHubspotSandbox } from '@etl/sandbox';
import type { RunSummary, StepSummary } from '@etl/core';
import { cliBin, fullDatasetZip, repoRoot, sampleCsv } from '../helpers/paths.js';

const run = promisify(execFile);
const database = `etl_e2e_${process.pid}_${Date.now() % 100000}`;
const workDir = mkdtempSync(join(tmpdir(), 'etl-e2e-'));
const stateDir = join(workDir, 'state');

/** What the served data holds: the data README's figures for the full file, counted from the sample otherwise. */
function expectedData() {
  if (fullDatasetZip) return { rows: 2_020_863, sum: 358_480_709, distinct: 111_472 };
  const rows = readFileSync(sampleCsv, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));
  return {
    rows: rows.length,
    sum: rows.reduce((total, row) => total + Number(row[3]), 0),
    distinct: new Set(rows.map((row) => `${row[1]}|${row[2]}`)).size,
  };
}
const expected = expectedData();

async function etlRun(...extra: string[]): Promise<RunSummary> {
  const env = {
    ...process.env,
    MYSQL_URL: `mysql://root@127.0.0.1:3306/${database}`,
    ETL_SANDBOX_DATASET: fullDatasetZip ?? '',
    // The sandbox provides these; make sure nothing from the developer's shell leaks into the run.
    KAGGLE_API_TOKEN: '',
    KAGGLE_USERNAME: '',
    KAGGLE_KEY: '',
    HOME: workDir,
  };
  const { stdout } = await run(
    'node',
    [cliBin, 'run', 'babynames', '--profile', 'demo', '--sandbox', '--json', ...extra],
    {
      cwd: workDir,
      env,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 15 * 60_000,
    },
  );
  return JSON.parse(stdout) as RunSummary;
}

const step = (summary: RunSummary, name: string): StepSummary => {
  const found = summary.steps.find((s) => s.step === name);
  if (!found) throw new Error(`no step ${name} in the summary`);
  return found;
};

async function query<T>(sql: string): Promise<T[]> {
  const connection = await createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database });
  try {
    const [rows] = await connection.query(sql);
    return rows as T[];
  } finally {
    await connection.end();
  }
}

describe('etl run babynames --profile demo --sandbox', () => {
  let first: RunSummary;
  let second: RunSummary;
  let third: RunSummary;

  beforeAll(async () => {
    writeFileSync(
      join(workDir, 'etl.config.json'),
      JSON.stringify({ pipelinesDir: join(repoRoot, 'pipelines'), stateDir }),
    );
    first = await etlRun();
  }, 30 * 60_000);

  afterAll(async () => {
    const connection = await createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
    await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await connection.end();
  });

  test('the first run downloads through the browser, loads every row and sends 50 contacts', async () => {
    expect(first.status).toBe('succeeded');
    expect(first.profile).toBe('demo');
    const kaggle = step(first, 'kaggle');
    expect(kaggle.read).toBe(expected.rows);
    expect(kaggle.counters.logins).toBe(1);
    expect(kaggle.counters.downloads).toBe(1);
    expect(step(first, 'mysql').written).toBe(expected.rows);
    expect(step(first, 'distinct').written).toBe(expected.distinct);
    expect(step(first, 'hubspot').written).toBe(50);
    expect(step(first, 'hubspot').counters.created).toBe(50);
    for (const s of first.steps) expect(s.rejected, `rejects in ${s.step}`).toBe(0);
    expect(existsSync(first.rejectsFile) ? readFileSync(first.rejectsFile, 'utf8') : '').toBe('');
    expect(readFileSync(first.logFile, 'utf8')).toContain('run succeeded');
  });

  test('MySQL holds exactly the file: row count and sum of counts', async () => {
    const [row] = await query<{ rows: number; total: string }>(
      'SELECT COUNT(*) AS `rows`, SUM(`count`) AS total FROM baby_names',
    );
    expect(Number(row!.rows)).toBe(expected.rows);
    expect(Number(row!.total)).toBe(expected.sum);
    const [mary] = await query<{ count: number }>(
      "SELECT `count` FROM baby_names WHERE year_of_birth = 1880 AND name = 'Mary' AND sex = 'F'",
    );
    expect(mary?.count).toBe(7065);
  });

  test('HubSpot holds 50 distinct contacts with deterministic emails, first names and the sex property', async () => {
    const hubspot = await startHubspotSandbox({ stateDir: join(stateDir, 'sandbox', 'hubspot') });
    try {
      const contacts = hubspot.contacts().filter((c) => !c.archived);
      expect(contacts).toHaveLength(50);
      const emails = contacts.map((c) => c.properties.email);
      expect(new Set(emails).size).toBe(50);
      const mary = contacts.find((c) => c.properties.email === 'mary.f@babynames.example.com');
      expect(mary?.properties).toMatchObject({ firstname: 'Mary', babyname_sex: 'F' });
      for (const c of contacts) {
        const { email, firstname, babyname_sex: sex } = c.properties;
        expect(email).toBe(`${firstname!.toLowerCase()}.${sex!.toLowerCase()}@babynames.example.com`);
      }
    } finally {
      await hubspot.close();
    }
  });

  describe('run again unchanged', () => {
    beforeAll(async () => {
      second = await etlRun();
    }, 10 * 60_000);

    test('the second run is up to date: no download, no login, nothing read or written, and quick', () => {
      expect(second).toMatchObject({ status: 'succeeded', upToDate: true, resumed: false });
      const kaggle = step(second, 'kaggle');
      expect(kaggle.counters.downloads ?? 0).toBe(0);
      expect(kaggle.counters.logins ?? 0).toBe(0);
      expect(kaggle.counters.cacheHits).toBe(1);
      for (const s of second.steps)
        expect([s.step, s.read, s.written, s.rejected, s.unchanged, s.filtered]).toEqual([s.step, 0, 0, 0, 0, 0]);
      expect(step(second, 'hubspot').counters.created ?? 0).toBe(0);
      // Checking the version and the cached archive's MD5 only: generous for a loaded machine, far below a full run.
      expect(second.durationMs).toBeLessThan(60_000);
      expect(second.durationMs).toBeLessThan(first.durationMs);
      expect(readFileSync(second.logFile, 'utf8')).toContain(
        `nothing to do: the input (thedevastator/us-baby-names-by-year-of-birth version 1`,
      );
      expect(readFileSync(second.logFile, 'utf8')).toContain(
        `are unchanged since run ${first.runId}; use --fresh to run anyway`,
      );
    });
  });

  describe('run again with limit 60', () => {
    beforeAll(async () => {
      third = await etlRun('--set', 'steps.hubspot.config.limit=60');
    }, 30 * 60_000);

    test('a third run with limit 60 is not up to date: 10 new contacts, no MySQL row written', async () => {
      expect(third).toMatchObject({ status: 'succeeded', upToDate: false, resumed: false });
      const kaggle = step(third, 'kaggle');
      expect(kaggle.read).toBe(expected.rows);
      expect(kaggle.counters.downloads ?? 0).toBe(0);
      expect(kaggle.counters.logins ?? 0).toBe(0);
      const mysql = step(third, 'mysql');
      expect(mysql.written).toBe(0);
      expect(mysql.unchanged).toBe(expected.rows);
      const hubspot = step(third, 'hubspot');
      expect(hubspot.written).toBe(10);
      expect(hubspot.counters.created).toBe(10);
      expect(hubspot.counters.updated ?? 0).toBe(0);
      expect(hubspot.unchanged).toBe(50);
      for (const s of third.steps) expect(s.rejected, `rejects in ${s.step}`).toBe(0);
      const hubspotSandbox = await startHubspotSandbox({ stateDir: join(stateDir, 'sandbox', 'hubspot') });
      try {
        expect(hubspotSandbox.contacts().filter((c) => !c.archived)).toHaveLength(60);
      } finally {
        await hubspotSandbox.close();
      }
    });
  });
});

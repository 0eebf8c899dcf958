/**
 * Faults: the HubSpot stand-in answers a seeded 10% 5xx, 423s, 477s, latency spikes, dropped connections (before and
 * after processing) and 429 storms; a private MariaDB is SIGKILLed and restarted in the middle of a load. The run
 * completes with nothing lost or duplicated, and its summary counts the retries.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectedOfFile, generateCsv, zipCsv, type Expected } from '../helpers/reliability-data.js';
import {
  buildWorkspace,
  createTestDatabase,
  longRun,
  mysql2,
  parseJson,
  removeTemps,
  seededRandom,
  sleep,
  suiteSeed,
  tableFingerprint,
  tempDir,
  waitFor,
} from '../helpers/reliability-env.js';
import { privateMariadbUnavailable, startPrivateMariadb, type PrivateMariadb } from '../helpers/reliability-mariadb.js';
import { contactEmails, startStack, type Stack } from '../helpers/reliability-stack.js';

const seed = suiteSeed('faults');
const random = seededRandom(seed);
let dataset: string;
let expected: Expected;
const stacks: Stack[] = [];
let mariadb: PrivateMariadb | undefined;

beforeAll(async () => {
  await buildWorkspace();
  const dir = tempDir();
  const csv = join(dir, 'faults.csv');
  // Short: 5,000 names x 2 sexes x 8 years = 80k rows, 10,000 contacts (100 upsert requests). Long: 800k rows, 40,000 contacts.
  generateCsv(csv, { names: longRun ? 20_000 : 5000, years: longRun ? 20 : 8, seed: seed % 1000 });
  dataset = join(dir, 'faults.zip');
  await zipCsv(csv, dataset);
  expected = await expectedOfFile(csv);
}, 600_000);

afterAll(async () => {
  await Promise.allSettled(stacks.map((s) => s.close()));
  await mariadb?.destroy();
  removeTemps();
});

const counter = (summary: any, step: string, name: string): number =>
  summary.steps.find((s: any) => s.step === step)?.counters?.[name] ?? 0;

describe('HubSpot faults', () => {
  test(
    '10% 5xx, 423, 477, latency spikes, drops and 429 storms: completes, every contact once, retries counted',
    async () => {
      const stack = await startStack({ label: 'faults', dataset, rate: { max: 200, per: '10s' } });
      stacks.push(stack);
      const faults = {
        seed,
        errorRate: 0.1,
        lockedRate: 0.03,
        migrationRate: 0.02,
        migrationRetryAfterSec: 1,
        dropRate: 0.03,
        dropAfterProcessingRate: 0.02,
        latencyMs: [0, 400] as [number, number],
      };
      stack.hubspot.setFaults(faults);
      const run = stack.run(['--set', 'steps.hubspot.config.timeoutMs=5000']);
      let exited = false;
      run.done.then(() => (exited = true));
      // 429 storms at seeded moments while contacts are flowing (each a few seconds of TEN_SECONDLY_ROLLING answers).
      let storms = 0;
      await waitFor(() => exited || stack.hubspot.contacts().length > 0, 180_000, 100);
      while (!exited && storms < (longRun ? 6 : 2)) {
        await sleep(500 + random() * 2500);
        if (exited) break;
        const { seed: _keepSequence, ...rest } = faults; // no seed: keep the random sequence going
        stack.hubspot.setFaults({ ...rest, rateLimitStormMs: 1500 + Math.floor(random() * 2000) });
        storms++;
      }
      const result = await run.done;
      const summary = parseJson(result);
      const stats = stack.hubspot.stats();
      const injected = Object.entries(stats.byStatus).filter(([status]) => Number(status) >= 400);
      console.log(
        `[reliability] faults: exit ${result.code}; ${storms} 429 storms; sandbox answered ${JSON.stringify(stats.byStatus)}, ` +
          `${stats.requests} requests; hubspot counters ${JSON.stringify(summary.steps.find((s: any) => s.step === 'hubspot')?.counters)}`,
      );
      expect(result.code, result.stdout).toBe(0);
      expect(summary.status).toBe('succeeded');
      expect(injected.length).toBeGreaterThan(2);
      // The summary counts what was ridden out.
      const seen = ['retries', 'http5xx', 'http423', 'http429', 'networkErrors'].reduce(
        (n, c) => n + counter(summary, 'hubspot', c),
        0,
      );
      expect(seen).toBeGreaterThan(0);
      expect(counter(summary, 'hubspot', 'http5xx')).toBeGreaterThan(0);

      const { emails, duplicates, byEmail } = contactEmails(stack.hubspot);
      expect(duplicates).toEqual([]);
      expect(emails.size).toBe(expected.emails.size);
      expect([...expected.emails].filter((e) => !emails.has(e))).toEqual([]);
      for (const [email, name] of [...expected.firstnames].slice(0, 200))
        expect(byEmail.get(email)?.firstname).toBe(name);
      expect(await tableFingerprint(stack.db.url)).toEqual({ rows: expected.rows, checksum: expected.checksum });
    },
    longRun ? 1_800_000 : 420_000,
  );
});

const noMariadb = privateMariadbUnavailable();
if (noMariadb) console.log(`[reliability] faults: ${noMariadb}`);

describe.skipIf(Boolean(noMariadb))('MariaDB restarted mid-load', () => {
  test(
    'SIGKILL + restart of the database server during the load: nothing lost or duplicated',
    async () => {
      mariadb = await startPrivateMariadb();
      const db = await createTestDatabase('restart', mariadb.adminUrl);
      const stack = await startStack({ label: 'restart', dataset, rate: { max: 1000, per: '10s' } });
      stacks.push(stack);
      const env = { MYSQL_URL: db.url };
      // Small transactions keep the load going long enough for a restart to land inside it.
      const args = [
        '--profile',
        'mysql-only',
        '--set',
        'steps.mysql.batchSize=500',
        '--set',
        'steps.mysql.retry.attempts=10',
        '--set',
        'steps.mysql.retry.maxElapsed=5m',
      ];
      const restarts = longRun ? 3 : 2;
      const log: string[] = [];
      let done = 0;
      let stoppedByRestart = 0;
      let result;
      let fresh = false;
      // Restarts land in whichever run is loading; a run a restart stopped is resumed by the next one (the documented
      // fallback), so every restart is tried whether or not the known bug below is fixed.
      for (let runs = 0; runs < restarts + 6; runs++) {
        const run = stack.run(fresh ? [...args, '--fresh'] : args, env);
        fresh = false;
        let exited = false;
        run.done.then(() => (exited = true));
        let restarted = false;
        while (done < restarts && !exited) {
          const before = (await tableFingerprint(db.url).catch(() => ({ rows: 0 }))).rows;
          await waitFor(
            async () => exited || (await tableFingerprint(db.url).catch(() => ({ rows: 0 }))).rows > before,
            180_000,
            100,
          );
          await sleep(random() * 300);
          if (exited) break;
          await mariadb.kill();
          const down = 1000 + Math.floor(random() * 2000);
          await sleep(down);
          await mariadb.start();
          done++;
          restarted = true;
          log.push(`restart #${done}: server SIGKILLed after ${before}+ rows, down ${down} ms`);
        }
        result = await run.done;
        const summary = parseJson(result);
        log.push(
          `run ${runs + 1}: exit ${result.code}, ${summary.status}, mysql retries ${counter(summary, 'mysql', 'retries')}${summary.error ? `, ${summary.error.code}: ${summary.error.message}` : ''}`,
        );
        if (restarted && result.code !== 0) stoppedByRestart++;
        if (result.code === 0 && done < restarts) {
          // The load beat the restart (a quiet machine is fast): load again from an empty table so every restart
          // lands inside a load.
          const connection = await mysql2.createConnection(db.url);
          await connection.query('TRUNCATE TABLE baby_names');
          await connection.end();
          fresh = true;
          continue;
        }
        if (result.code === 0) break;
      }
      console.log(`[reliability] faults: MariaDB restarts\n  ${log.join('\n  ')}`);
      expect(done).toBeGreaterThan(0);
      expect(result!.code).toBe(0);
      expect(await tableFingerprint(db.url)).toEqual({ rows: expected.rows, checksum: expected.checksum });
      // sink-mysql classes a refused reconnect after the run has talked to the server as a restart (retriable, since
      // 6f94350), so no restart may stop the run.
      expect(stoppedByRestart, log.join('\n')).toBe(0);
      await db.drop();
    },
    longRun ? 1_800_000 : 420_000,
  );
});

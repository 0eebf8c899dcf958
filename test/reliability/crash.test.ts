/**
 * Crashes: `etl run babynames` is SIGKILLed at seeded random moments (around the download, during the MySQL load,
 * during the HubSpot sync), many times in a row, then allowed to finish. MySQL must hold exactly the rows of one
 * clean load (count + CRC32 checksum computed from the CSV itself) and HubSpot exactly the expected contacts, once each.
 * SIGINT and SIGTERM must stop cleanly (exit 130/143, summary "interrupted", a checkpoint) and the next run resumes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
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
  seededRandom,
  sleep,
  suiteSeed,
  tableFingerprint,
  tempDir,
  waitFor,
} from '../helpers/reliability-env.js';
import { contactEmails, pipelineStateDir, startStack, type Stack } from '../helpers/reliability-stack.js';

const seed = suiteSeed('crash');
const random = seededRandom(seed);
let dataset: string;
let expected: Expected;
const stacks: Stack[] = [];

beforeAll(async () => {
  await buildWorkspace();
  const full = longRun ? fullDatasetZip() : undefined;
  if (longRun && !full)
    throw new Error(
      'ETL_RELIABILITY=long needs ../shared/data/us-baby-names-by-year-of-birth.zip (or /work/shared/data/…)',
    );
  if (full) {
    dataset = full;
    expected = await expectedOf(await openZipEntry(full));
  } else {
    // Mid-size: 3,000 names x 2 sexes x 20 years = 120,000 rows, 6,000 contacts (60 HubSpot requests).
    const dir = tempDir();
    const csv = join(dir, 'mid.csv');
    generateCsv(csv, { names: 3000, years: 20, seed: seed % 1000 });
    dataset = join(dir, 'mid.zip');
    await zipCsv(csv, dataset);
    expected = await expectedOfFile(csv);
  }
  console.log(`[reliability] crash: dataset ${dataset}: ${expected.rows} rows, ${expected.emails.size} contacts`);
}, 600_000);

afterAll(async () => {
  await Promise.allSettled(stacks.map((s) => s.close()));
  removeTemps();
});

async function newStack(label: string): Promise<Stack> {
  // Short: a low rate stretches the HubSpot sync over the run so kills land in it. Long: a raised (sandboxed) rate
  // so 111k contacts (1,115 requests) take about half a minute per clean pass.
  const stack = await startStack({
    label,
    dataset,
    rate: longRun ? { max: 400, per: '10s' } : { max: 30, per: '10s' },
  });
  // Latency (no errors) widens the window in which a kill lands mid-request.
  stack.hubspot.setFaults({ latencyMs: [50, 250], seed });
  stacks.push(stack);
  return stack;
}

async function assertExactlyOneCleanLoad(stack: Stack): Promise<void> {
  const table = await tableFingerprint(stack.db.url);
  expect(table).toEqual({ rows: expected.rows, checksum: expected.checksum });
  const { emails, duplicates } = contactEmails(stack.hubspot);
  expect(duplicates).toEqual([]);
  expect(emails.size).toBe(expected.emails.size);
  const missing = [...expected.emails].filter((e) => !emails.has(e));
  const extra = [...emails].filter((e) => !expected.emails.has(e));
  expect({ missing: missing.slice(0, 5), extra: extra.slice(0, 5) }).toEqual({ missing: [], extra: [] });
}

type Phase = 'download' | 'mysql' | 'hubspot' | 'any';
/** Smaller MySQL transactions: more commits, so kills land between and inside them. */
const runArgs = ['--set', `steps.mysql.batchSize=${longRun ? 10_000 : 2000}`];

describe('SIGKILL at random moments', () => {
  test(
    `kill -9 up to ${longRun ? 24 : 8} times (seeded), then finish: MySQL and HubSpot hold one clean load`,
    async () => {
      const stack = await newStack('crash');
      const kills = longRun ? 24 : 8;
      const phases: Phase[] = ['download', 'mysql', 'hubspot', 'any'];
      const log: string[] = [];
      let survived = 0;
      for (let i = 0; i < kills; i++) {
        const before = {
          rows: (await tableFingerprint(stack.db.url)).rows,
          contacts: stack.hubspot.contacts().length,
          downloads: stack.kaggle.stats().apiDownload ?? 0,
        };
        // Only phases that still have work left: a cached archive is not downloaded again, a full table gets no rows.
        const open = phases.filter(
          (p) =>
            (p === 'download' && !existsSync(join(pipelineStateDir(stack), 'cache/kaggle/kaggle-download.json'))) ||
            (p === 'mysql' && before.rows < expected.rows) ||
            (p === 'hubspot' && before.contacts < expected.emails.size) ||
            p === 'any',
        );
        const phase = open[Math.floor(random() * open.length)];
        const run = stack.run(runArgs);
        let exited = false;
        run.done.then(() => (exited = true));
        // Wait for the phase to show progress (a new download request, new rows, new contacts), then a random delay.
        const progressed = await waitFor(
          async () => {
            if (exited) return true;
            if (phase === 'download') return (stack.kaggle.stats().apiDownload ?? 0) > before.downloads;
            if (phase === 'mysql') return (await tableFingerprint(stack.db.url)).rows > before.rows;
            if (phase === 'hubspot') return stack.hubspot.contacts().length > before.contacts;
            return true;
          },
          120_000,
          100,
        );
        expect(progressed).toBeTruthy();
        await sleep(phase === 'download' ? random() * 150 : phase === 'any' ? 800 + random() * 3000 : random() * 400);
        if (exited) {
          const result = await run.done;
          log.push(`#${i + 1} ${phase}: finished before the kill (exit ${result.code})`);
          break;
        }
        run.child.kill('SIGKILL');
        const result = await run.done;
        expect(result.signal).toBe('SIGKILL');
        survived++;
        const after = { rows: (await tableFingerprint(stack.db.url)).rows, contacts: stack.hubspot.contacts().length };
        log.push(`#${i + 1} ${phase}: killed with ${after.rows} rows in MySQL, ${after.contacts} contacts`);
      }
      const final = await stack.run(runArgs).done;
      const summary = parseJson(final);
      log.push(`final run: exit ${final.code}, status ${summary.status}, resumed ${summary.resumed}`);
      console.log(`[reliability] crash: ${survived} kills survived\n  ${log.join('\n  ')}`);
      expect(final.code).toBe(0);
      expect(summary.status).toBe('succeeded');
      await assertExactlyOneCleanLoad(stack);
    },
    longRun ? 3_600_000 : 420_000,
  );
});

describe('SIGINT and SIGTERM', () => {
  test('each stops cleanly with a checkpoint (exit 130 / 143), and the next run resumes to one clean load', async () => {
    const stack = await newStack('signals');
    const journal = join(pipelineStateDir(stack), 'state.mdb');
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      const before = stack.hubspot.contacts().length;
      const run = stack.run();
      const flowing = await waitFor(() => stack.hubspot.contacts().length > before, 120_000, 100);
      expect(flowing).toBeTruthy();
      run.child.kill(signal);
      const result = await run.done;
      expect({ signal, code: result.code }).toEqual({ signal, code });
      const summary = parseJson(result);
      expect(summary.status).toBe('interrupted');
      expect(summary.error?.code).toBe('INTERRUPTED');
      expect(existsSync(journal)).toBe(true);
      expect(readFileSync(journal, 'utf8').length).toBeGreaterThan(0);
    }
    const final = await stack.run().done;
    const summary = parseJson(final);
    expect(final.code).toBe(0);
    expect(summary).toMatchObject({ status: 'succeeded', resumed: true });
    await assertExactlyOneCleanLoad(stack);
  }, 420_000);
});

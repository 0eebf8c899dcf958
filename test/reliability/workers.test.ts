/**
 * Several machines, on loopback: `etl worker` processes take runs queued by `etl enqueue` from BullMQ on Redis.
 * - Shared limits: 3 workers run 6 HubSpot pipelines at once against one stand-in portal at 100 / 10 s; the limiter
 *   kept in Redis (`store: redis`, here as a project default) keeps all of them together within the rolling window.
 * - A worker killed with SIGKILL mid-run: another worker takes the job and resumes; MySQL and HubSpot hold exactly
 *   one clean load. With a shared state store (ETL_STATE_URL), the worker that resumes runs in another project folder
 *   (another host): the checkpoint, the ledger and the run history come from the database. A worker stopped with SIGTERM checkpoints, puts the run back, and the next worker finishes it.
 * Each test has its own Redis key prefix. ETL_RELIABILITY=long runs more contacts per pipeline.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { expectedOfFile, generateCsv, zipCsv, type Expected } from '../helpers/reliability-data.js';
import {
  buildWorkspace,
  createTestDatabase,
  longRun,
  makeProject,
  parseJson,
  removeTemps,
  repoRoot,
  tableFingerprint,
  tempDir,
  waitFor,
} from '../helpers/reliability-env.js';
import { contactEmails, startStack, type Stack } from '../helpers/reliability-stack.js';
import {
  dropPrefix,
  setProjectDefaults,
  uniquePrefix,
  workersFor,
  type Workers,
} from '../helpers/reliability-workers.js';

let dataset: { zip: string; expected: Expected };
const stacks: Stack[] = [];
const prefixes: string[] = [];
let workers: Workers | undefined;

async function makeDataset(names: number, years: number): Promise<{ zip: string; expected: Expected }> {
  const dir = tempDir();
  const csv = join(dir, 'data.csv');
  generateCsv(csv, { names, years, seed: 7 });
  const zip = join(dir, 'data.zip');
  await zipCsv(csv, zip);
  return { zip, expected: await expectedOfFile(csv) };
}

beforeAll(async () => {
  await buildWorkspace();
  dataset = await makeDataset(1000, 5); // 10,000 rows, 2,000 contacts: 20 HubSpot batches
}, 600_000);

afterEach(async () => {
  await workers?.stopAll();
  workers = undefined;
});

afterAll(async () => {
  await Promise.allSettled([...stacks.map((s) => s.close()), ...prefixes.map(dropPrefix)]);
  removeTemps();
});

async function newWorld(label: string, options: Parameters<typeof startStack>[0]): Promise<Workers> {
  const stack = await startStack(options);
  stacks.push(stack);
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  workers = workersFor(stack, prefix);
  return workers;
}

const stackOf = (w: Workers) => stacks.find((s) => s.env.HUBSPOT_BASE_URL === w.env.HUBSPOT_BASE_URL)!;

async function assertExactlyOneCleanLoad(stack: Stack, expected: Expected): Promise<void> {
  expect(await tableFingerprint(stack.db.url)).toEqual({ rows: expected.rows, checksum: expected.checksum });
  const { emails, duplicates } = contactEmails(stack.hubspot);
  expect(duplicates).toEqual([]);
  expect([...expected.emails].filter((e) => !emails.has(e)).slice(0, 5)).toEqual([]);
  expect(emails.size).toBe(expected.emails.size);
}

describe('etl worker and etl enqueue on Redis', () => {
  test('3 workers, 6 runs, one portal at 100 / 10 s: never over the rolling window, no 429, near the floor', async () => {
    const data = longRun ? await makeDataset(5000, 2) : await makeDataset(1000, 2);
    const pipelines = tempDir('etl-rel-pipelines-');
    const source = readFileSync(join(repoRoot, 'pipelines/babynames.yaml'), 'utf8');
    mkdirSync(pipelines, { recursive: true });
    for (let i = 1; i <= 6; i++) {
      // Its own contacts (addresses) per pipeline, and no MySQL step: this test is about the HubSpot budget.
      const text = source
        .replace('@babynames.example.com', `@p${i}.example.com`)
        .replace(/\n {2}mysql:\n[\s\S]*?\n(?= {2}distinct:)/, '\n');
      writeFileSync(join(pipelines, `p${i}.yaml`), text);
    }
    const w = await newWorld('rate', {
      label: 'rate',
      dataset: data.zip,
      rate: { max: 100, per: '10s' },
      pipelinesDir: pipelines,
    });
    const stack = stackOf(w);
    setProjectDefaults(stack, { limiters: { hubspot: { store: 'redis' } } });
    await Promise.all([w.start(2), w.start(2), w.start(2)]);

    // When the portal saw its first and its last request (sampled): the span the rate floor applies to.
    const span = { first: 0, last: 0, seen: 0 };
    const sampler = setInterval(() => {
      const seen = stack.hubspot.stats().requests;
      if (seen > span.seen) [span.last, span.seen] = [Date.now(), seen];
      if (seen > 0 && !span.first) span.first = Date.now();
    }, 20);
    const t0 = Date.now();
    const runs = [1, 2, 3, 4, 5, 6].map((i) => w.etl(['enqueue', `p${i}`, '--wait', '--json']));
    const results = await Promise.all(runs.map((r) => r.done)).finally(() => clearInterval(sampler));
    const elapsed = Date.now() - t0;
    for (const result of results) {
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(parseJson(result)).toMatchObject({ status: 'succeeded', exitCode: 0 });
    }
    const stats = stack.hubspot.stats();
    // A rolling window lets the first 100 go at once: request k can start at floor(k / 100) x 10 s at the earliest.
    const floorMs = Math.floor((stats.requests - 1) / 100) * 10_000;
    const spanMs = span.last - span.first;
    console.log(
      `[reliability] workers: 6 runs on 3 workers, ${stats.requests} HubSpot requests over ${(spanMs / 1000).toFixed(1)} s ` +
        `(floor ${(floorMs / 1000).toFixed(1)} s at 100 / 10 s: ${(spanMs / floorMs).toFixed(2)} x); enqueue to last exit ` +
        `${(elapsed / 1000).toFixed(1)} s; peak in a rolling 10 s ${stats.peakInWindow}, 429s ${JSON.stringify(stats.rateLimited)}`,
    );
    expect(Object.values(stats.rateLimited).reduce((a, b) => a + b, 0)).toBe(0);
    expect(stats.byStatus['429'] ?? 0).toBe(0);
    expect(stats.peakInWindow).toBeLessThanOrEqual(100);
    expect(stats.requests).toBeGreaterThan(100); // the window was the bottleneck at least once
    // Every run sent every contact once, to its own addresses.
    expect(contactEmails(stack.hubspot).emails.size).toBe(6 * data.expected.emails.size);
    // Each run is in `etl runs` of the shared project folder.
    const listed = parseJson<Array<{ pipeline: string; status: string }>>(await w.etl(['runs', '--json']).done);
    expect(
      listed
        .filter((r) => r.status === 'succeeded')
        .map((r) => r.pipeline)
        .sort(),
    ).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
  }, 180_000);

  test('a worker killed with SIGKILL mid-run: another worker resumes the run; MySQL and HubSpot counts exact', async () => {
    // A slow portal (20 / 10 s, per-process limiter) keeps the HubSpot sync going for about 10 s.
    const w = await newWorld('kill', { label: 'kill', dataset: dataset.zip, rate: { max: 20, per: '10s' } });
    const stack = stackOf(w);
    const [a, b] = await Promise.all([w.start(), w.start()]);
    const waiting = w.etl(['enqueue', 'babynames', '--wait', '--json', '--set', 'steps.mysql.batchSize=2000']);
    const taken = await waitFor(() => [a, b].find((x) => /job \S+: run babynames/.test(x.output().stderr)), 30_000);
    expect(taken, 'a worker took the run').toBeTruthy();
    expect(await waitFor(() => stack.hubspot.contacts().length >= 400, 45_000)).toBe(true);
    const killedAt = Date.now();
    taken!.child.kill('SIGKILL');
    const other = taken === a ? b : a;

    const result = await waiting.done;
    console.log(
      `[reliability] workers: the run finished ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(parseJson(result)).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect((await taken!.done).signal).toBe('SIGKILL');
    expect(other.output().stderr).toMatch(/job \S+: \S+ succeeded, exit 0/);
    await assertExactlyOneCleanLoad(stack, dataset.expected);
    // The killed run is "unfinished" in `etl runs`; the other worker's run resumed it from its checkpoint.
    const runs = parseJson<Array<{ status: string; resumed?: boolean }>>(await w.etl(['runs', '--json']).done);
    expect(runs.map((r) => r.status).sort()).toEqual(['succeeded', 'unfinished']);
    expect(runs.find((r) => r.status === 'succeeded')?.resumed).toBe(true);
  }, 120_000);

  test('with a shared state store, a worker on another host resumes the run of a worker killed with SIGKILL', async () => {
    const w = await newWorld('kill-shared', {
      label: 'killshared',
      dataset: dataset.zip,
      rate: { max: 20, per: '10s' },
    });
    const stack = stackOf(w);
    const state = await createTestDatabase('state');
    try {
      const shared = { env: { ETL_STATE_URL: state.url } };
      const hostB = { ...shared, cwd: makeProject().dir };
      const a = await w.start(1, shared);
      const waiting = w.etl(['enqueue', 'babynames', '--wait', '--json', '--set', 'steps.mysql.batchSize=2000']);
      expect(await waitFor(() => /job \S+: run babynames/.test(a.output().stderr), 30_000)).toBe(true);
      expect(await waitFor(() => stack.hubspot.contacts().length >= 400, 45_000)).toBe(true);
      a.child.kill('SIGKILL');
      const b = await w.start(1, hostB);

      const result = await waiting.done;
      expect(result.code, result.stderr).toBe(0);
      expect(b.output().stderr).toMatch(/job \S+: \S+ succeeded, exit 0/);
      await assertExactlyOneCleanLoad(stack, dataset.expected);
      // Host B's folder never saw the first run, yet `etl runs` there lists both: the history is the database's.
      const runs = parseJson<Array<{ status: string; resumed?: boolean }>>(await w.etl(['runs', '--json'], hostB).done);
      expect(runs).toHaveLength(2);
      expect(runs.find((r) => r.status === 'succeeded')?.resumed).toBe(true);
    } finally {
      await w.stopAll();
      await state.drop();
    }
  }, 150_000);

  test('SIGTERM: the worker checkpoints, puts the run back and exits 143; the next worker finishes it', async () => {
    const w = await newWorld('term', { label: 'term', dataset: dataset.zip, rate: { max: 20, per: '10s' } });
    const stack = stackOf(w);
    const first = await w.start();
    const waiting = w.etl(['enqueue', 'babynames', '--wait', '--json']);
    expect(await waitFor(() => stack.hubspot.contacts().length >= 400, 45_000)).toBe(true);
    first.child.kill('SIGTERM');
    const stopped = await first.done;
    expect(stopped.code, stopped.stderr).toBe(143);
    expect(stopped.stderr).toMatch(/back in the queue \(the worker stopped; the run was checkpointed\)/);
    const sent = stack.hubspot.contacts().length;
    expect(sent).toBeLessThan(dataset.expected.emails.size);

    const second = await w.start();
    const result = await waiting.done;
    expect(result.code, result.stderr).toBe(0);
    expect(second.output().stderr).toMatch(/succeeded, exit 0/);
    await assertExactlyOneCleanLoad(stack, dataset.expected);
    const runs = parseJson<Array<{ status: string; resumed?: boolean }>>(await w.etl(['runs', '--json']).done);
    expect(runs.map((r) => r.status).sort()).toEqual(['interrupted', 'succeeded']);
    expect(runs.find((r) => r.status === 'succeeded')?.resumed).toBe(true);
  }, 120_000);

  test('a schedule queues runs; one that finds nothing changed ends as "nothing to do"', async () => {
    const w = await newWorld('schedule', { label: 'schedule', dataset: dataset.zip, rate: { max: 1000, per: '10s' } });
    await w.start();
    const added = await w.etl(['schedule', 'add', 'often', 'babynames', '--cron', '*/2 * * * * *', '--profile', 'demo'])
      .done;
    expect(added.code, added.stderr).toBe(0);
    const list = parseJson<Array<{ id: string; cron: string; data: { pipeline: string; profile: string } }>>(
      await w.etl(['schedule', 'list', '--json']).done,
    );
    expect(list).toEqual([
      expect.objectContaining({ id: 'often', cron: '*/2 * * * * *', data: { pipeline: 'babynames', profile: 'demo' } }),
    ]);
    const worker = w.list[0];
    expect(await waitFor(() => /nothing to do, exit 0/.test(worker.output().stderr), 30_000)).toBe(true);
    expect((await w.etl(['schedule', 'remove', 'often']).done).code).toBe(0);
    expect(parseJson(await w.etl(['schedule', 'list', '--json']).done)).toEqual([]);
    const gone = await w.etl(['schedule', 'remove', 'often']).done;
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('No schedule "often"');
  }, 90_000);
});

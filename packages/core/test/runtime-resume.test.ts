import { describe, expect, test } from 'vitest';
import {
  dedupeTransform,
  defineSink,
  FatalError,
  runPipeline,
  type DataRecord,
  type JsonValue,
  rejectRecord,
} from '@etl/core';
import {
  collectSink,
  memorySource,
  resolvedPipeline,
  firstPerKeyTransform as firstPerKey,
  numberedRecords as numbers,
  tempDir as tempStateDir,
  fnTransform,
} from '@etl/testing';

/** Doubles ids into `id2`; rejects ids divisible by `rejectEvery`. */
const doubler = (rejectEvery = 0) =>
  fnTransform(
    'doubler',
    () => (r) =>
      rejectEvery && (r.id as number) % rejectEvery === 0
        ? rejectRecord(`id ${r.id} is unlucky`)
        : { ...r, id2: (r.id as number) * 2 },
  );

const ids = (records: DataRecord[]): number[] => records.map((r) => r.id as number);

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

describe('runPipeline: exactly-once resume', () => {
  test('a sink failing mid-run, then a resumed run: every record written exactly once per sink', async () => {
    const stateDir = tempStateDir();
    const build = (
      a: ReturnType<typeof collectSink>,
      b: ReturnType<typeof collectSink>,
      source = memorySource(numbers(500), { batchSize: 30 }),
    ) =>
      resolvedPipeline('resume', {
        src: { plugin: source },
        double: { plugin: doubler(), input: 'src' },
        slowA: { plugin: a, input: 'double' },
        fastB: { plugin: b, input: 'src' },
      });
    const a1 = collectSink({ batchSize: 40, failAt: 5 });
    const b1 = collectSink({ batchSize: 7 });
    const first = await runPipeline(build(a1, b1), { stateDir });
    expect(first.status).toBe('failed');
    expect(first.error).toMatchObject({ code: 'TEST_INDUCED', exitCode: 5 });
    expect(a1.log.records).toHaveLength(160);
    expect(b1.log.records.length).toBeGreaterThan(0);
    expect(a1.log.closes).toEqual(['failed']);

    const a2 = collectSink({ batchSize: 40 });
    const b2 = collectSink({ batchSize: 7 });
    const source2 = memorySource(numbers(500), { batchSize: 30 });
    const second = await runPipeline(build(a2, b2, source2), { stateDir });
    expect(second.status).toBe('succeeded');
    expect(second.resumed).toBe(true);
    // The source restarted after a committed position, not from the beginning.
    expect(typeof source2.stats.froms[0]).toBe('number');
    expect(source2.stats.read).toBeLessThan(500);
    expect(sorted([...ids(a1.log.records), ...ids(a2.log.records)])).toEqual(range(1, 500));
    expect(sorted([...ids(b1.log.records), ...ids(b2.log.records)])).toEqual(range(1, 500));
    const skipped = second.steps.find((s) => s.step === 'fastB')!.counters.skipped ?? 0;
    expect(second.steps.find((s) => s.step === 'fastB')!.written).toBe(500 - b1.log.records.length);
    expect(skipped).toBeGreaterThanOrEqual(0);

    // A completed lineage is not resumed: the next run starts from the beginning.
    const a3 = collectSink({ batchSize: 40 });
    const b3 = collectSink({ batchSize: 7 });
    const source3 = memorySource(numbers(500), { batchSize: 30 });
    const third = await runPipeline(build(a3, b3, source3), { stateDir });
    expect(third.resumed).toBe(false);
    expect(source3.stats.froms).toEqual([undefined]);
    expect(a3.log.records).toHaveLength(500);
  });

  test.each([
    ['first-per-key (test fixture)', () => firstPerKey()],
    ['dedupe (built-in)', () => dedupeTransform()],
  ])('a stateful transform resumes with exactly the state of the checkpoint: %s', async (_name, makeTransform) => {
    const stateDir = tempStateDir();
    const records: DataRecord[] = Array.from({ length: 600 }, (_, i) => ({ id: i + 1, key: `k${(i * 7) % 90}` }));
    const expectedFirst = (() => {
      const seen = new Set<string>();
      return records
        .filter((r) => (seen.has(r.key as string) ? false : (seen.add(r.key as string), true)))
        .map((r) => r.id as number);
    })();
    const build = (a: ReturnType<typeof collectSink>, b: ReturnType<typeof collectSink>) =>
      resolvedPipeline('stateful', {
        src: { plugin: memorySource(records, { batchSize: 25 }) },
        first: { plugin: makeTransform(), input: 'src', config: { key: ['key'] } },
        distinct: { plugin: a, input: 'first' },
        all: { plugin: b, input: 'src' },
      });
    // `all` writes in big batches, so the resume point lags behind what `distinct` has written.
    const a1 = collectSink({ batchSize: 8, failAt: 6 });
    const b1 = collectSink({ batchSize: 120 });
    const first = await runPipeline(build(a1, b1), { stateDir });
    expect(first.status).toBe('failed');
    expect(a1.log.records).toHaveLength(40);

    const a2 = collectSink({ batchSize: 8 });
    const b2 = collectSink({ batchSize: 120 });
    const second = await runPipeline(build(a2, b2), { stateDir });
    expect(second).toMatchObject({ status: 'succeeded', resumed: true });
    expect([...ids(a1.log.records), ...ids(a2.log.records)]).toEqual(expectedFirst);
    expect(sorted([...ids(b1.log.records), ...ids(b2.log.records)])).toEqual(range(1, 600));

    // A new lineage starts the transform's state empty again.
    const a3 = collectSink({ batchSize: 8 });
    await runPipeline(build(a3, collectSink({ batchSize: 120 })), { stateDir });
    expect(ids(a3.log.records)).toEqual(expectedFirst);
  });

  test.each([1, 3])(
    "a transactional sink's restore() token wins when it is ahead of the runtime's checkpoint (crash at write %i)",
    async (crashAt) => {
      const stateDir = tempStateDir();
      const durable: number[] = [];
      let token: JsonValue | undefined;
      let calls = 0;
      // Commits data and token together, then "crashes" before the runtime could checkpoint (call 3).
      const txSink = () =>
        defineSink({
          name: 'tx',
          configSchema: {},
          batchSize: 10,
          restore: async () => token,
          async write(_ctx, _config, batch) {
            calls++;
            durable.push(...ids(batch.records));
            token = batch.checkpoint;
            if (calls === crashAt) throw new FatalError('connection lost after commit');
            return { written: batch.records.length };
          },
        });
      const build = () =>
        resolvedPipeline('tx', {
          src: { plugin: memorySource(numbers(55), { batchSize: 10 }) },
          out: { plugin: txSink(), input: 'src' },
        });
      expect((await runPipeline(build(), { stateDir })).status).toBe('failed');
      expect(durable).toHaveLength(crashAt * 10);
      const second = await runPipeline(build(), { stateDir });
      expect(second.status).toBe('succeeded');
      expect(durable).toEqual(range(1, 55));
    },
  );

  test('--fresh starts a new lineage from the beginning even after a failed run', async () => {
    const stateDir = tempStateDir();
    const build = (sink: ReturnType<typeof collectSink>) =>
      resolvedPipeline('fresh', {
        src: { plugin: memorySource(numbers(50), { batchSize: 10 }) },
        out: { plugin: sink, input: 'src' },
      });
    expect((await runPipeline(build(collectSink({ batchSize: 10, failAt: 2 })), { stateDir })).status).toBe('failed');
    const sink = collectSink({ batchSize: 10 });
    const summary = await runPipeline(build(sink), { stateDir, fresh: true });
    expect(summary.resumed).toBe(false);
    expect(ids(sink.log.records)).toEqual(range(1, 50));
  });

  test('a retriable write failure is retried and counted, not fatal', async () => {
    const sink = collectSink({ batchSize: 10, failAt: 2, failTimes: 2, failWith: 'retriable' });
    const summary = await runPipeline(
      resolvedPipeline('retry', {
        src: { plugin: memorySource(numbers(30), { batchSize: 10 }) },
        out: { plugin: sink, input: 'src', retry: { baseDelayMs: 1, maxDelayMs: 5 } },
      }),
      { stateDir: tempStateDir() },
    );
    expect(summary.status).toBe('succeeded');
    expect(ids(sink.log.records)).toEqual(range(1, 30));
    expect(summary.steps[1].counters.retries).toBe(2);
  });
});

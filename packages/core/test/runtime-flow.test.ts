import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { runPipeline, type RunEvent, rejectRecord, type DataRecord } from '@etl/core';
import {
  collectSink,
  memorySource,
  resolvedPipeline,
  numberedRecords as numbers,
  readJsonLines,
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

/** Keeps even ids only. */
const evens = () => fnTransform('evens', () => (r) => ((r.id as number) % 2 === 0 ? r : null));

const ids = (records: DataRecord[]): number[] => records.map((r) => r.id as number);

describe('runPipeline: streaming', () => {
  test('fans out to two sinks through different transforms, with exact counters', async () => {
    const source = memorySource(numbers(1000), { batchSize: 64 });
    const a = collectSink({ batchSize: 50 });
    const b = collectSink({ batchSize: 33 });
    const events: RunEvent[] = [];
    const summary = await runPipeline(
      resolvedPipeline('fanout', {
        src: { plugin: source },
        double: { plugin: doubler(10), input: 'src' },
        onlyEven: { plugin: evens(), input: 'src' },
        sinkA: { plugin: a, input: 'double' },
        sinkB: { plugin: b, input: 'onlyEven' },
      }),
      { stateDir: tempStateDir(), onEvent: (e) => events.push(e) },
    );
    expect(summary.status).toBe('succeeded');
    expect(summary.error).toBeUndefined();
    // sink A: every id not divisible by 10, doubled; sink B: even ids, untouched
    expect(ids(a.log.records)).toEqual(
      numbers(1000)
        .map((r) => r.id as number)
        .filter((id) => id % 10 !== 0),
    );
    expect(a.log.records.every((r) => r.id2 === (r.id as number) * 2)).toBe(true);
    expect(ids(b.log.records)).toEqual(
      numbers(1000)
        .map((r) => r.id as number)
        .filter((id) => id % 2 === 0),
    );
    expect(a.log.batches.every((batch) => batch.records.length <= 50)).toBe(true);
    const step = (name: string) => summary.steps.find((s) => s.step === name)!;
    expect(step('src')).toMatchObject({ read: 1000, written: 1000 });
    expect(step('double')).toMatchObject({ read: 1000, written: 900, rejected: 100 });
    expect(step('onlyEven')).toMatchObject({ read: 1000, written: 500, filtered: 500 });
    expect(step('sinkA')).toMatchObject({ read: 900, written: 900 });
    expect(step('sinkB')).toMatchObject({ read: 500, written: 500 });
    expect(a.log.closes).toEqual(['succeeded']);
    expect(source.stats.closed).toBe(1);
    expect(events[0]).toMatchObject({ type: 'run-start', resumed: false });
    expect(events.at(-1)).toMatchObject({ type: 'run-end' });
    // refs follow source order and locate() points at the source record
    const first = a.log.batches[0];
    expect(first.refs[0]).toEqual({ seq: 1, index: 0 });
    expect(first.locate(0)).toBe('memory:1');
  });

  test('writes every rejected record to rejects.jsonl with its source location and reason', async () => {
    const sink = collectSink({ batchSize: 20, reject: (r) => ((r.id as number) === 7 ? 'sink refuses 7' : undefined) });
    const summary = await runPipeline(
      resolvedPipeline('rejects', {
        src: { plugin: memorySource(numbers(45), { batchSize: 10, label: 'names.csv' }) },
        double: { plugin: doubler(20), input: 'src' },
        out: { plugin: sink, input: 'double' },
      }),
      { stateDir: tempStateDir() },
    );
    expect(summary.status).toBe('succeeded');
    const lines = readJsonLines(summary.rejectsFile);
    expect(lines).toEqual([
      { step: 'double', location: 'names.csv:20', reason: 'id 20 is unlucky', record: { id: 20, key: 'k6' } },
      { step: 'double', location: 'names.csv:40', reason: 'id 40 is unlucky', record: { id: 40, key: 'k5' } },
      { step: 'out', location: 'names.csv:7', reason: 'sink refuses 7', record: { id: 7, key: 'k0', id2: 14 } },
    ]);
    expect(summary.steps.find((s) => s.step === 'out')).toMatchObject({ read: 43, written: 42, rejected: 1 });
    const summaryFile = JSON.parse(readFileSync(`${summary.runDir}/summary.json`, 'utf8'));
    expect(summaryFile.status).toBe('succeeded');
  });

  test('dry run calls setup, tells sinks not to write, and commits no checkpoint', async () => {
    const stateDir = tempStateDir();
    const sink = collectSink({ batchSize: 10 });
    const pipeline = resolvedPipeline('dry', {
      src: { plugin: memorySource(numbers(25), { batchSize: 10 }) },
      out: { plugin: sink, input: 'src' },
    });
    const summary = await runPipeline(pipeline, { stateDir, dryRun: true });
    expect(summary).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(sink.log.setups).toBe(1);
    expect(sink.log.dryRunCalls).toBe(3);
    expect(sink.log.records).toEqual([]);
    expect(summary.steps[1].counters.wouldWrite).toBe(25);
    // No checkpoint: a real run afterwards starts from the beginning and writes everything.
    const real = collectSink({ batchSize: 10 });
    const again = await runPipeline(
      resolvedPipeline('dry', {
        src: { plugin: memorySource(numbers(25), { batchSize: 10 }) },
        out: { plugin: real, input: 'src' },
      }),
      { stateDir },
    );
    expect(again.resumed).toBe(false);
    expect(real.log.records).toHaveLength(25);
  });

  test('a plugin with the wrong shape fails with what it must look like, and sinks are still closed', async () => {
    const sink = collectSink();
    const broken = { name: 'broken', kind: 'transform', configSchema: {} } as never;
    const summary = await runPipeline(
      resolvedPipeline('broken', {
        src: { plugin: memorySource(numbers(3)) },
        t: { plugin: broken, input: 'src' },
        out: { plugin: sink, input: 't' },
      }),
      { stateDir: tempStateDir() },
    );
    expect(summary.status).toBe('failed');
    expect(summary.error).toMatchObject({ code: 'PLUGIN_INVALID', exitCode: 4 });
    expect(summary.error!.message).toContain('`create` must be a function');
    expect(summary.error!.suggestions[0]).toContain('defineTransform');
  });

  test('a non-EtlError thrown by a transform becomes a FatalError naming the step and record', async () => {
    const sink = collectSink({ batchSize: 5 });
    const { defineTransform } = await import('@etl/core');
    const boom = defineTransform({
      name: 'boom',
      configSchema: {},
      create: () => (r) => {
        if (r.id === 12) throw new TypeError('cannot read properties of undefined');
        return r;
      },
    });
    const summary = await runPipeline(
      resolvedPipeline('boom', {
        src: { plugin: memorySource(numbers(30), { batchSize: 10 }) },
        t: { plugin: boom, input: 'src' },
        out: { plugin: sink, input: 't' },
      }),
      { stateDir: tempStateDir() },
    );
    expect(summary.status).toBe('failed');
    expect(summary.error).toMatchObject({ code: 'PLUGIN_ERROR', exitCode: 5 });
    expect(summary.error!.message).toContain('step "t"');
    expect(summary.error!.message).toContain('cannot read properties of undefined');
    expect(sink.log.closes).toEqual(['failed']);
    const log = readFileSync(summary.logFile, 'utf8');
    expect(log).toContain('"location":"memory:12"');
  });

  test('progress from ctx.progress reaches onEvent throttled, with the final update always delivered', async () => {
    const { defineSource } = await import('@etl/core');
    const chatty = defineSource({
      name: 'chatty',
      configSchema: {},
      async *read(ctx) {
        for (let i = 1; i <= 5000; i++) ctx.progress({ phase: 'downloading', done: i, total: 5000, unit: 'bytes' });
        yield { records: [{ id: 1 }], position: 1 };
      },
    });
    const events: RunEvent[] = [];
    const summary = await runPipeline(
      resolvedPipeline('progress', { src: { plugin: chatty }, out: { plugin: collectSink(), input: 'src' } }),
      {
        stateDir: tempStateDir(),
        onEvent: (e) => events.push(e),
      },
    );
    expect(summary.status).toBe('succeeded');
    const progress = events.filter((e) => e.type === 'step-progress');
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.length).toBeLessThan(20);
    expect(progress.at(-1)).toEqual({
      type: 'step-progress',
      step: 'src',
      phase: 'downloading',
      done: 5000,
      total: 5000,
      unit: 'bytes',
    });
  });

  test('a sink that does not account for every record stops the run instead of losing records silently', async () => {
    const { defineSink } = await import('@etl/core');
    const lossy = defineSink({
      name: 'lossy',
      configSchema: {},
      batchSize: 10,
      write: async (_c, _k, b) => ({ written: b.records.length - 1 }),
    });
    const summary = await runPipeline(
      resolvedPipeline('lossy', { src: { plugin: memorySource(numbers(30)) }, out: { plugin: lossy, input: 'src' } }),
      {
        stateDir: tempStateDir(),
      },
    );
    expect(summary.status).toBe('failed');
    expect(summary.error).toMatchObject({ code: 'SINK_ACCOUNTING', exitCode: 5 });
    expect(summary.error!.message).toContain('accounted for 9 of 10 records');
  });

  test('a source that reuses its batch array does not corrupt what sinks still hold', async () => {
    const { defineSource } = await import('@etl/core');
    const reusing = defineSource({
      name: 'reusing',
      configSchema: {},
      async *read() {
        const buffer: Array<{ id: number }> = [];
        for (let b = 0; b < 5; b++) {
          buffer.length = 0;
          for (let i = 1; i <= 10; i++) buffer.push({ id: b * 10 + i });
          yield { records: buffer, position: b + 1 };
        }
      },
    });
    const sink = collectSink({ batchSize: 25 });
    await runPipeline(resolvedPipeline('reuse', { src: { plugin: reusing }, out: { plugin: sink, input: 'src' } }), {
      stateDir: tempStateDir(),
    });
    expect(ids(sink.log.records)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  test("every step's context carries the pipeline's batchSize (5000 when the pipeline does not say)", async () => {
    const { defineSource } = await import('@etl/core');
    const seen: Array<[string, number]> = [];
    const probe = defineSource({
      name: 'probe',
      configSchema: {},
      async *read(ctx) {
        seen.push(['source', ctx.batchSize]);
        yield { records: [{ id: 1 }], position: 1 };
      },
    });
    const spy = fnTransform('spy', (ctx) => {
      seen.push(['transform', ctx.batchSize]);
      return (r) => r;
    });
    const run = (batchSize?: number) =>
      runPipeline(
        {
          ...resolvedPipeline('sized', {
            src: { plugin: probe },
            t: { plugin: spy, input: 'src' },
            out: { plugin: collectSink(), input: 't' },
          }),
          ...(batchSize ? { batchSize } : {}),
        },
        { stateDir: tempStateDir() },
      );
    expect((await run(123)).status).toBe('succeeded');
    expect((await run()).status).toBe('succeeded');
    expect(seen).toEqual([
      ['transform', 123],
      ['source', 123],
      ['transform', 5000],
      ['source', 5000],
    ]);
  });

  test('the invariant check names every step whose records do not add up', async () => {
    const { checkInvariants } = await import('@etl/core');
    const errors: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (m: string) => errors.push(m), child: () => logger };
    const step = (name: string, read: number, written: number, filtered = 0) =>
      ({
        step: name,
        kind: 'transform',
        plugin: 'x',
        read,
        written,
        rejected: 0,
        unchanged: 0,
        filtered,
        durationMs: 0,
        counters: {},
      }) as const;
    const broken = checkInvariants([step('ok', 10, 7, 3), step('lost', 10, 8)], new Map(), logger);
    expect(broken).toEqual(['lost']);
    expect(errors).toEqual([
      'records unaccounted for in step "lost": read 10 but written 8 + rejected 0 + unchanged 0 + filtered 0 = 8',
    ]);
  });
});

import { describe, expect, test } from 'vitest';
import { runPipeline, type DataRecord } from '@etl/core';
import {
  collectSink,
  memorySource,
  resolvedPipeline,
  numberedRecords as numbers,
  readJsonLines,
  tempDir as tempStateDir,
} from '@etl/testing';

const ids = (records: DataRecord[]): number[] => records.map((r) => r.id as number);

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('runPipeline: backpressure and signals', () => {
  test('a slow sink holds the source back: reads never run more than a bounded amount ahead of writes', async () => {
    const source = memorySource(numbers(400), { batchSize: 10 });
    const leads: number[] = [];
    const sink = collectSink({
      batchSize: 10,
      delayMs: 15,
      onWrite: (_batch, call) => {
        leads.push(source.stats.read - (call - 1) * 10);
      },
    });
    const summary = await runPipeline(
      resolvedPipeline('slow', { src: { plugin: source }, out: { plugin: sink, input: 'src' } }),
      {
        stateDir: tempStateDir(),
      },
    );
    expect(summary.status).toBe('succeeded');
    expect(sink.log.records).toHaveLength(400);
    expect(leads).toHaveLength(40);
    // In flight at most: the batch being written, two sink batches buffered, one source batch read ahead.
    expect(Math.max(...leads)).toBeLessThanOrEqual(40);
    expect(Math.max(...leads)).toBeGreaterThanOrEqual(10);
  });

  test('abort → buffers flushed, checkpoint committed, status interrupted; the next run resumes without loss or repeats', async () => {
    const stateDir = tempStateDir();
    const controller = new AbortController();
    const first = collectSink({
      batchSize: 10,
      onWrite: (_b, call) => {
        if (call === 3) controller.abort('SIGINT');
      },
    });
    const build = (sink: ReturnType<typeof collectSink>) =>
      resolvedPipeline('signal', {
        src: { plugin: memorySource(numbers(200), { batchSize: 25 }) },
        out: { plugin: sink, input: 'src' },
      });
    const summary = await runPipeline(build(first), { stateDir, signal: controller.signal });
    expect(summary.status).toBe('interrupted');
    expect(summary.error).toMatchObject({ code: 'INTERRUPTED', exitCode: 130 });
    expect(first.log.closes).toEqual(['interrupted']);
    // Everything distributed before the abort was flushed (whole source batches of 25), nothing after it.
    expect(first.log.records.length % 25).toBe(0);
    expect(first.log.records.length).toBeGreaterThanOrEqual(50);
    expect(first.log.records.length).toBeLessThan(200);
    const { steps } = summary;
    expect(steps[1].read).toBe(steps[1].written);

    const second = collectSink({ batchSize: 10 });
    const resumed = await runPipeline(build(second), { stateDir });
    expect(resumed).toMatchObject({ status: 'succeeded', resumed: true });
    expect([...ids(first.log.records), ...ids(second.log.records)]).toEqual(range(1, 200));
    const log = readJsonLines(resumed.logFile);
    expect(log.some((l) => String(l.msg).startsWith(`resuming run ${summary.runId} from batch`))).toBe(true);
  });

  test('SIGTERM as the abort reason maps to exit code 143', async () => {
    const controller = new AbortController();
    controller.abort('SIGTERM');
    const sink = collectSink();
    const summary = await runPipeline(
      resolvedPipeline('term', { src: { plugin: memorySource(numbers(10)) }, out: { plugin: sink, input: 'src' } }),
      {
        stateDir: tempStateDir(),
        signal: controller.signal,
      },
    );
    expect(summary.status).toBe('interrupted');
    expect(summary.error?.exitCode).toBe(143);
    expect(sink.log.records).toEqual([]);
    expect(sink.log.closes).toEqual(['interrupted']);
  });
});

describe('runPipeline: shared limiters', () => {
  test("a limiter's daily budget carries over to the next run of the pipeline", async () => {
    const stateDir = tempStateDir();
    const { defineSink } = await import('@etl/core');
    const calling = () =>
      defineSink({
        name: 'calling',
        configSchema: {},
        batchSize: 1,
        async write(ctx, _c, batch) {
          await ctx.limiter()!.schedule(async () => undefined);
          return { written: batch.records.length };
        },
      });
    const build = () =>
      resolvedPipeline(
        'daily',
        { src: { plugin: memorySource(numbers(3)) }, out: { plugin: calling(), input: 'src', limiter: 'api' } },
        { limiters: { api: { max: 100, intervalMs: 1000, daily: 5 } } },
      );
    expect((await runPipeline(build(), { stateDir })).status).toBe('succeeded');
    const second = await runPipeline(build(), { stateDir });
    expect(second.status).toBe('failed');
    expect(second.error).toMatchObject({ code: 'DAILY_BUDGET_SPENT', exitCode: 6 });
    expect(second.steps[1].written).toBe(2);
  });
});

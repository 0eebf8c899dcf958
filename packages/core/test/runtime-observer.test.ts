/** The observer seam: what `RunOptions.observers` hear during a run, and that it agrees with the run summary. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createHttpClient,
  defineSink,
  defineTransform,
  rejectRecord,
  runPipeline,
  type RunObserver,
  type RunSummary,
  type StepCounts,
} from '@etl/core';
import { memorySource, numberedRecords, resolvedPipeline, tempDir } from '@etl/testing';

let server: Server;
let baseUrl: string;
let answered = 0;
beforeAll(async () => {
  // The first request is refused with a 429: the runtime retries the write, the observer hears both answers.
  server = createServer((_request, response) => {
    answered++;
    if (answered === 1) response.writeHead(429, { 'retry-after': '0' }).end('{}');
    else response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const httpSink = defineSink({
  name: 'posting',
  configSchema: { type: 'object', properties: {} },
  destination: () => ({ id: 'memory:posting' }),
  async write(ctx, _config, batch) {
    const http = createHttpClient(ctx, { service: 'Test', baseUrl });
    await http.request({ method: 'POST', url: '/records', data: batch.records });
    // As HubSpot's sink passes on X-HubSpot-RateLimit-Daily-Remaining: other clients spent most of the budget.
    ctx.limiter()?.observe({ dailyRemaining: 60 });
    return { written: batch.records.length };
  },
});

/** Drops odd ids, rejects every id divisible by 10. */
const picky = defineTransform({
  name: 'picky',
  configSchema: { type: 'object', properties: {} },
  create: () => (record) => {
    const id = record.id as number;
    if (id % 10 === 0) return rejectRecord('a round id');
    return id % 2 === 1 ? null : record;
  },
});

function recorder() {
  const calls: Array<{ event: string; args: unknown[] }> = [];
  const events = ['runStart', 'stepCounts', 'sourceBatch', 'sinkWrite', 'httpAnswer', 'limiterWait', 'dailyBudget'];
  const observer: RunObserver = Object.fromEntries(
    [...events, 'runEnd'].map((event) => [event, (...args: unknown[]) => calls.push({ event, args })]),
  );
  const of = <T>(event: string) => calls.filter((c) => c.event === event).map((c) => c.args[1] as T);
  return { observer, calls, of };
}

/** Throws from every event: the run must not notice. */
const broken: RunObserver = new Proxy(
  {},
  {
    get: () => () => {
      throw new Error('broken observer');
    },
  },
);

describe('run observers', () => {
  test('hear every batch, write, HTTP answer and limiter wait; the last counts equal the summary', async () => {
    const { observer, calls, of } = recorder();
    const pipeline = resolvedPipeline(
      'observed',
      {
        src: { plugin: memorySource(numberedRecords(45), { batchSize: 10 }) },
        picky: { plugin: picky, input: 'src' },
        out: {
          plugin: httpSink,
          input: 'picky',
          limiter: 'api',
          batchSize: 5,
          retry: { baseDelayMs: 1, maxDelayMs: 2 },
        },
      },
      { limiters: { api: { max: 1000, intervalMs: 1000, daily: 100 } } },
    );
    const summary = await runPipeline(pipeline, { stateDir: tempDir(), observers: [broken, observer] });
    expect(summary.status).toBe('succeeded');

    expect(calls[0].event).toBe('runStart');
    expect(calls[0].args[0]).toEqual({ runId: summary.runId, pipeline: 'observed' });
    expect(calls.at(-1)!.event).toBe('runEnd');
    expect(calls.at(-1)!.args[1]).toBe(summary);

    const last = of<StepCounts[]>('stepCounts').at(-1)!;
    for (const step of summary.steps) {
      const counts = last.find((c) => c.step === step.step)!;
      const { read, written, rejected, unchanged, filtered, counters } = counts;
      expect({ read, written, rejected, unchanged, filtered, counters }).toEqual({
        read: step.read,
        written: step.written,
        rejected: step.rejected,
        unchanged: step.unchanged,
        filtered: step.filtered,
        counters: step.counters,
      });
    }
    const out = summary.steps.find((s) => s.step === 'out')!;
    expect(out.counters).toMatchObject({ retries: 1, http429: 1 });

    const batches = of<{ step: string; records: number }>('sourceBatch');
    expect(batches.map((b) => b.records)).toEqual([10, 10, 10, 10, 5]);
    const writes = of<{ step: string; records: number }>('sinkWrite');
    expect(writes.reduce((sum, w) => sum + w.records, 0)).toBe(out.read);
    const answers = of<{ status?: number; step: string; plugin: string }>('httpAnswer');
    expect(answers.map((a) => a.status)).toEqual([429, ...Array(out.counters.requests - 1).fill(200)]);
    expect(answers[0]).toMatchObject({ step: 'out', plugin: 'posting' });
    expect(of('limiterWait')).toHaveLength(out.counters.requests);
    const budget = of<{ limiter: string; daily: number; remaining: number }>('dailyBudget');
    expect(budget[0]).toEqual({ limiter: 'api', daily: 100, remaining: 100 });
    // The limiter's own count, until the remote reports less left than that.
    const beforeRemote = budget.findIndex((b) => b.remaining === 60);
    expect(budget[beforeRemote - 1].remaining).toBe(98); // the 429 and the retried request
    expect(budget.at(-1)!.remaining).toBe(60);
    expect((calls.at(-1)!.args[1] as RunSummary).status).toBe('succeeded');
  });
});

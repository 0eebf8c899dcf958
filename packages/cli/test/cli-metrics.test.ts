/**
 * `--metrics-port`: the real CLI serves Prometheus text while it runs; at a run's end the counters equal the summary,
 * and `etl worker` adds the queue's depth and workers.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { RunSummary } from '@etl/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RunQueue } from '@etl/queue';
import { buildCli, cliDir, makeProject, removeProjects, startEtl } from './helpers.js';
import { parseSamples, sampleValue, type Sample } from './prometheus-text.js';

beforeAll(buildCli, 600_000);
afterAll(removeProjects);

/** Resolves once `probe` returns something truthy (polling), or fails the test after `ms`. */
async function until<T>(probe: () => T | undefined | false, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function scrape(url: string): Promise<Sample[]> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseSamples(await response.text());
}

const urlIn = (stderr: string) => /metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(stderr)?.[1];

describe('etl run --metrics-port', () => {
  test('serves live values during the run and, lingering for one scrape, counters equal to the summary', async () => {
    const project = makeProject();
    const run = startEtl(
      [
        'run',
        // Outside pipelines/, so `etl validate` in the fixture project does not list it.
        'observed/metrics.yaml',
        '--sandbox',
        '--json',
        '--metrics-port',
        '0',
        '--metrics-linger',
        '120',
        // Slow enough that a scrape lands between batches.
        '--set',
        'steps.source.config.delayMs=150',
      ],
      { cwd: project },
    );
    const url = await until(() => urlIn(run.output().stderr), 'the metrics address');
    const source = { pipeline: 'metrics', step: 'source' };
    // During the run: the run is active and records have been read, the run has not ended yet.
    let live: Sample[] = [];
    for (;;) {
      expect(run.output().stderr).not.toContain('the run ended');
      live = await scrape(url);
      if ((sampleValue(live, 'etl_records_read_total', source) ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(sampleValue(live, 'etl_runs_active', { pipeline: 'metrics' })).toBe(1);
    expect(sampleValue(live, 'etl_runs_total')).toBeUndefined();

    await until(() => run.output().stderr.includes('the run ended'), 'the end of the run');
    const final = await scrape(url);
    const done = await run.done; // the scrape after the end lets the process exit
    expect(done.code).toBe(0);
    const summary = JSON.parse(done.stdout) as RunSummary;
    expect(summary.status).toBe('succeeded');

    for (const step of summary.steps) {
      const labels = { pipeline: 'metrics', step: step.step };
      const metric = (name: string) => sampleValue(final, `etl_records_${name}_total`, labels);
      expect(
        {
          read: metric('read'),
          written: metric('written'),
          rejected: metric('rejected'),
          filtered: metric('filtered'),
          unchanged: metric('unchanged'),
        },
        step.step,
      ).toEqual({
        read: step.read,
        written: step.written,
        rejected: step.rejected,
        filtered: step.filtered,
        unchanged: step.unchanged,
      });
    }
    const hubspot = summary.steps.find((s) => s.step === 'hubspot')!;
    // The fixture rejects and filters some records, so every counter is tried with a value other than 0.
    expect(summary.steps.find((s) => s.step === 'typed')!.rejected).toBeGreaterThan(0);
    expect(summary.steps.find((s) => s.step === 'recent')!.filtered).toBeGreaterThan(0);
    expect(hubspot.written).toBeGreaterThan(0);
    const requests = hubspot.counters.requests;
    expect(sampleValue(final, 'etl_http_requests_total', { step: 'hubspot', plugin: 'hubspot' })).toBe(requests);
    expect(sampleValue(final, 'etl_http_requests_total', { step: 'hubspot', class: '2xx' })).toBe(requests);
    expect(sampleValue(final, 'etl_limiter_wait_seconds_count', { limiter: 'hubspot' })).toBe(requests);
    // The pipeline's limiter allows 1000 requests a day; this state folder is new.
    expect(sampleValue(final, 'etl_daily_budget_remaining', { limiter: 'hubspot' })).toBe(1000 - requests);
    expect(sampleValue(final, 'etl_source_batch_seconds_count', source)).toBe(6);
    expect(sampleValue(final, 'etl_sink_write_seconds_count', { step: 'hubspot' })).toBe(Math.ceil(hubspot.read / 10));
    expect(sampleValue(final, 'etl_runs_total', { pipeline: 'metrics', status: 'succeeded' })).toBe(1);
    expect(sampleValue(final, 'etl_runs_active', { pipeline: 'metrics' })).toBe(0);
    expect(sampleValue(final, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  }, 180_000);

  test('Ctrl-C while it lingers ends the wait; the exit code and summary are the run’s', async () => {
    const project = makeProject();
    const run = startEtl(['run', 'numbers', '--json', '--metrics-port', '0', '--metrics-linger', '120'], {
      cwd: project,
    });
    await until(() => run.output().stderr.includes('the run ended'), 'the end of the run');
    run.child.kill('SIGINT');
    const done = await run.done;
    expect(done.code).toBe(0);
    expect((JSON.parse(done.stdout) as RunSummary).status).toBe('succeeded');
  }, 120_000);

  test('--metrics-linger 0 stops serving with the run; other paths are 404', async () => {
    const project = makeProject();
    const run = startEtl(['run', 'numbers', '--json', '--metrics-port', '0', '--metrics-linger', '0'], {
      cwd: project,
    });
    const url = await until(() => urlIn(run.output().stderr), 'the metrics address');
    expect((await fetch(url.replace('/metrics', '/'))).status).toBe(404);
    const done = await run.done;
    expect(done.code).toBe(0);
    expect(done.stderr).not.toContain('the run ended');
    await expect(fetch(url)).rejects.toThrow();
  }, 120_000);
});

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const { Redis } = createRequire(join(cliDir, '../queue/package.json'))('ioredis') as typeof import('ioredis');

describe('etl worker --metrics-port', () => {
  const prefix = `etl-test-metrics-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  afterAll(async () => {
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  test('adds the queue: jobs by state and workers, besides the runs it took', async () => {
    const project = makeProject();
    const env = { REDIS_URL: redisUrl, ETL_REDIS_PREFIX: prefix };
    const worker = startEtl(['worker', '--metrics-port', '0'], { cwd: project, env });
    try {
      const url = await until(() => urlIn(worker.output().stderr), 'the metrics address');
      await until(() => worker.output().stderr.includes('taking runs'), 'the worker');
      // Queued from here rather than by `etl enqueue`: one process less to start.
      const queue = await new RunQueue({ url: redisUrl, prefix }).ready();
      try {
        expect((await queue.enqueueAndWait({ pipeline: 'numbers' })).exitCode).toBe(0);
      } finally {
        await queue.close();
      }
      const samples = await scrape(url);
      expect(sampleValue(samples, 'etl_runs_total', { pipeline: 'numbers', status: 'succeeded' })).toBe(1);
      expect(sampleValue(samples, 'etl_records_read_total', { pipeline: 'numbers', step: 'source' })).toBe(20);
      expect(sampleValue(samples, 'etl_queue_jobs', { state: 'completed' })).toBe(1);
      expect(sampleValue(samples, 'etl_queue_jobs', { state: 'waiting' })).toBe(0);
      expect(sampleValue(samples, 'etl_queue_workers')).toBe(1);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
    }
  }, 180_000);
});

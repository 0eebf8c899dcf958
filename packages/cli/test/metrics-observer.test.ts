/** The observer events of a run, as the Prometheus metrics `etl run --metrics-port` serves. */
import type { ObservedRun, RunSummary, StepCounts } from '@etl/core';
import { Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { registerRunMetrics, statusClass } from '../src/metrics/index.js';
import { parseSamples, sampleValue } from './prometheus-text.js';

const run: ObservedRun = { runId: 'r1', pipeline: 'orders' };
const counts = (step: string, read: number, counters: Record<string, number> = {}): StepCounts => ({
  step,
  kind: 'sink',
  plugin: 'hubspot',
  read,
  written: read - 1,
  rejected: 1,
  unchanged: 0,
  filtered: 0,
  skipped: 0,
  counters,
});

async function scrape(registry: Registry) {
  return parseSamples(await registry.metrics());
}

describe('run metrics', () => {
  test('cumulative step counts become counters that grow by the difference, and restart per run', async () => {
    const registry = new Registry();
    const { observer } = registerRunMetrics(registry);
    observer.runStart!(run);
    observer.stepCounts!(run, [counts('out', 10, { retries: 1, created: 4, requests: 3 })]);
    observer.stepCounts!(run, [counts('out', 25, { retries: 3, http429: 2, created: 9, requests: 8 })]);
    let samples = await scrape(registry);
    const out = { pipeline: 'orders', step: 'out' };
    expect(sampleValue(samples, 'etl_records_read_total', out)).toBe(25);
    expect(sampleValue(samples, 'etl_records_written_total', out)).toBe(24);
    expect(sampleValue(samples, 'etl_records_rejected_total', out)).toBe(1);
    expect(sampleValue(samples, 'etl_records_filtered_total', out)).toBe(0);
    expect(sampleValue(samples, 'etl_retries_total', out)).toBe(3);
    expect(sampleValue(samples, 'etl_http_429_total', out)).toBe(2);
    expect(sampleValue(samples, 'etl_step_counter_total', { ...out, counter: 'created' })).toBe(9);
    // Requests are counted by answer (etl_http_requests_total), not a second time from the counter.
    expect(sampleValue(samples, 'etl_step_counter_total', { ...out, counter: 'requests' })).toBeUndefined();
    expect(sampleValue(samples, 'etl_runs_active', { pipeline: 'orders' })).toBe(1);

    observer.runEnd!(run, { status: 'failed' } as RunSummary);
    const next: ObservedRun = { runId: 'r2', pipeline: 'orders' };
    observer.runStart!(next);
    observer.stepCounts!(next, [counts('out', 5)]);
    observer.runEnd!(next, { status: 'succeeded' } as RunSummary);
    samples = await scrape(registry);
    expect(sampleValue(samples, 'etl_records_read_total', out)).toBe(30);
    expect(sampleValue(samples, 'etl_runs_total', { pipeline: 'orders', status: 'failed' })).toBe(1);
    expect(sampleValue(samples, 'etl_runs_total', { pipeline: 'orders', status: 'succeeded' })).toBe(1);
    expect(sampleValue(samples, 'etl_runs_active', { pipeline: 'orders' })).toBe(0);
  });

  test('HTTP answers by code and class, latencies as histograms, the daily budget as a gauge', async () => {
    const registry = new Registry();
    const { observer } = registerRunMetrics(registry);
    const answer = (status?: number) =>
      observer.httpAnswer!(run, { step: 'out', plugin: 'hubspot', status, seconds: 0.2 });
    for (const status of [200, 207, 429, 429, 503, undefined]) answer(status);
    observer.sinkWrite!(run, { step: 'out', plugin: 'hubspot', records: 100, seconds: 0.3 });
    observer.sinkWrite!(run, { step: 'out', plugin: 'hubspot', records: 100, seconds: 4 });
    observer.sourceBatch!(run, { step: 'in', records: 5000, seconds: 0.02 });
    observer.limiterWait!(run, { limiter: 'hubspot', seconds: 1.5 });
    observer.dailyBudget!(run, { limiter: 'hubspot', daily: 1000, remaining: 990 });
    observer.dailyBudget!(run, { limiter: 'hubspot', daily: 1000, remaining: 989 });
    const samples = await scrape(registry);
    const http = (where: Record<string, string>) => sampleValue(samples, 'etl_http_requests_total', where);
    expect(http({ code: '429', class: '4xx', plugin: 'hubspot' })).toBe(2);
    expect(http({ class: '2xx' })).toBe(2);
    expect(http({ code: '503', class: '5xx' })).toBe(1);
    expect(http({ code: 'none', class: 'error' })).toBe(1);
    const write = { pipeline: 'orders', step: 'out' };
    expect(sampleValue(samples, 'etl_sink_write_seconds_count', write)).toBe(2);
    expect(sampleValue(samples, 'etl_sink_write_seconds_sum', write)).toBeCloseTo(4.3);
    expect(sampleValue(samples, 'etl_sink_write_seconds_bucket', { ...write, le: '0.5' })).toBe(1);
    expect(sampleValue(samples, 'etl_source_batch_seconds_count', { step: 'in' })).toBe(1);
    expect(sampleValue(samples, 'etl_limiter_wait_seconds_sum', { limiter: 'hubspot' })).toBe(1.5);
    expect(sampleValue(samples, 'etl_daily_budget_remaining', { pipeline: 'orders', limiter: 'hubspot' })).toBe(989);
  });

  test('status classes', () => {
    expect([200, 302, 404, 429, 503, 99, undefined].map(statusClass)).toEqual([
      '2xx',
      '3xx',
      '4xx',
      '4xx',
      '5xx',
      'error',
      'error',
    ]);
  });
});

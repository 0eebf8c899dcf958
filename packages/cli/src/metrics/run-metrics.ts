/**
 * The runtime's observer events as Prometheus metrics (prom-client). Record counts are taken from the step counters
 * the run summary reports (`stepCounts` is cumulative per run; each call adds the difference since the last one), so
 * at a run's end the counters have grown by exactly what its summary says.
 *
 * Labels are bounded: pipeline, step, plugin and limiter names come from pipeline files, HTTP codes from the protocol;
 * never a record key or a run id.
 */
import type { ObservedRun, RunObserver, RunSummary, StepCounts } from '@etl/core';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The step counters that become `etl_records_<name>_total`. */
const RECORD_COUNTS = ['read', 'written', 'rejected', 'unchanged', 'filtered', 'skipped'] as const;
/** Plugin counters with a metric of their own; the others go to `etl_step_counter_total`. */
const OWN_METRIC: Record<string, string> = { retries: 'etl_retries_total', http429: 'etl_http_429_total' };
/** Counted by `etl_http_requests_total` from the answers (by status), so not again as a plugin counter. */
const NOT_EXPORTED = new Set(['requests']);

/** Seconds: from a fast local batch to a sink paced by a remote's rate limit. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const WAIT_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface RunMetrics {
  /** Pass to `runPipeline({ observers: [observer] })`. */
  readonly observer: RunObserver;
}

/** Registers the run metrics in `registry` and returns the observer that feeds them. */
export function registerRunMetrics(registry: Registry): RunMetrics {
  const registers = [registry];
  const records = Object.fromEntries(
    RECORD_COUNTS.map((name) => [
      name,
      new Counter({
        name: `etl_records_${name}_total`,
        help: `Records ${name} per pipeline and step, as the run summary counts them.`,
        labelNames: ['pipeline', 'step'],
        registers,
      }),
    ]),
  ) as Record<(typeof RECORD_COUNTS)[number], Counter<'pipeline' | 'step'>>;
  const own = Object.fromEntries(
    Object.entries(OWN_METRIC).map(([counter, name]) => [
      counter,
      new Counter({
        name,
        help: `The "${counter}" counter of each step (plugin counters in the run summary).`,
        labelNames: ['pipeline', 'step'],
        registers,
      }),
    ]),
  );
  const stepCounter = new Counter({
    name: 'etl_step_counter_total',
    help: 'Other plugin counters of each step (created, updated, resent, ...), as in the run summary.',
    labelNames: ['pipeline', 'step', 'counter'],
    registers,
  });
  const sourceBatch = new Histogram({
    name: 'etl_source_batch_seconds',
    help: 'Time the source took to produce each batch.',
    labelNames: ['pipeline', 'step'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const sinkWrite = new Histogram({
    name: 'etl_sink_write_seconds',
    help: "Time each sink write took, the runtime's retries included.",
    labelNames: ['pipeline', 'step'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const httpRequests = new Counter({
    name: 'etl_http_requests_total',
    help: 'HTTP requests of plugins by answer: status code and class (2xx..5xx, or "error" when no answer came).',
    labelNames: ['pipeline', 'step', 'plugin', 'code', 'class'],
    registers,
  });
  const limiterWait = new Histogram({
    name: 'etl_limiter_wait_seconds',
    help: 'Time requests waited in a rate limiter before they were sent.',
    labelNames: ['pipeline', 'limiter'],
    buckets: WAIT_BUCKETS,
    registers,
  });
  const dailyRemaining = new Gauge({
    name: 'etl_daily_budget_remaining',
    help: "Requests left today in a limiter's daily budget (as this process knows it).",
    labelNames: ['pipeline', 'limiter'],
    registers,
  });
  const runs = new Counter({
    name: 'etl_runs_total',
    help: 'Runs ended, by status (succeeded, failed, interrupted).',
    labelNames: ['pipeline', 'status'],
    registers,
  });
  const active = new Gauge({
    name: 'etl_runs_active',
    help: 'Runs in progress in this process.',
    labelNames: ['pipeline'],
    registers,
  });
  const seen = new Map<string, Map<string, StepCounts>>();

  const addCounts = (run: ObservedRun, steps: readonly StepCounts[]): void => {
    const last = seen.get(run.runId) ?? new Map<string, StepCounts>();
    seen.set(run.runId, last);
    for (const now of steps) {
      const before = last.get(now.step);
      const labels = { pipeline: run.pipeline, step: now.step };
      for (const name of RECORD_COUNTS) grow(records[name], labels, now[name] - (before?.[name] ?? 0));
      for (const [counter, value] of Object.entries(now.counters)) {
        if (NOT_EXPORTED.has(counter)) continue;
        const by = value - (before?.counters[counter] ?? 0);
        if (own[counter]) grow(own[counter], labels, by);
        else grow(stepCounter, { ...labels, counter }, by);
      }
      last.set(now.step, now);
    }
  };

  const observer: RunObserver = {
    runStart: (run) => active.inc({ pipeline: run.pipeline }),
    stepCounts: addCounts,
    sourceBatch: (run, b) => sourceBatch.observe({ pipeline: run.pipeline, step: b.step }, b.seconds),
    sinkWrite: (run, w) => sinkWrite.observe({ pipeline: run.pipeline, step: w.step }, w.seconds),
    httpAnswer: (run, a) =>
      httpRequests.inc({
        pipeline: run.pipeline,
        step: a.step,
        plugin: a.plugin,
        code: a.status === undefined ? 'none' : String(a.status),
        class: statusClass(a.status),
      }),
    limiterWait: (run, w) => limiterWait.observe({ pipeline: run.pipeline, limiter: w.limiter }, w.seconds),
    dailyBudget: (run, b) => dailyRemaining.set({ pipeline: run.pipeline, limiter: b.limiter }, b.remaining),
    runEnd: (run, summary: RunSummary) => {
      seen.delete(run.runId);
      active.dec({ pipeline: run.pipeline });
      runs.inc({ pipeline: run.pipeline, status: summary.status });
    },
  };
  return { observer };
}

function grow<L extends string>(counter: Counter<L>, labels: Partial<Record<L, string>>, by: number): void {
  // A counter only grows; zero increments still create the series, so a panel shows 0 instead of "no data".
  if (by >= 0) counter.inc(labels, by);
}

/** `2xx` … `5xx`, `1xx`, or `error` for a request that got no answer. */
export function statusClass(status: number | undefined): string {
  return status === undefined || status < 100 || status > 599 ? 'error' : `${Math.floor(status / 100)}xx`;
}

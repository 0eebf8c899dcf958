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
  const m = defineMetrics(registry);
  const addCounts = countsFeeder(m);
  const observer: RunObserver = {
    runStart: (run) => m.active.inc({ pipeline: run.pipeline }),
    stepCounts: addCounts,
    sourceBatch: (run, b) => m.sourceBatch.observe({ pipeline: run.pipeline, step: b.step }, b.seconds),
    sinkWrite: (run, w) => m.sinkWrite.observe({ pipeline: run.pipeline, step: w.step }, w.seconds),
    httpAnswer: (run, a) =>
      m.httpRequests.inc({
        pipeline: run.pipeline,
        step: a.step,
        plugin: a.plugin,
        code: a.status === undefined ? 'none' : String(a.status),
        class: statusClass(a.status),
      }),
    limiterWait: (run, w) => m.limiterWait.observe({ pipeline: run.pipeline, limiter: w.limiter }, w.seconds),
    dailyBudget: (run, b) => m.dailyRemaining.set({ pipeline: run.pipeline, limiter: b.limiter }, b.remaining),
    runEnd: (run, summary: RunSummary) => {
      addCounts.forget(run);
      m.active.dec({ pipeline: run.pipeline });
      m.runs.inc({ pipeline: run.pipeline, status: summary.status });
    },
  };
  return { observer };
}

type Metrics = ReturnType<typeof defineMetrics>;

/**
 * Adds the growth of each run's cumulative step counts since its previous report to the counters; `forget(run)`
 * drops what a finished run left.
 */
function countsFeeder(m: Metrics) {
  const seen = new Map<string, Map<string, StepCounts>>();
  const add = (run: ObservedRun, steps: readonly StepCounts[]): void => {
    const last = seen.get(run.runId) ?? new Map<string, StepCounts>();
    seen.set(run.runId, last);
    for (const now of steps) {
      const before = last.get(now.step);
      const labels = { pipeline: run.pipeline, step: now.step };
      for (const name of RECORD_COUNTS) grow(m.records[name], labels, now[name] - (before?.[name] ?? 0));
      for (const [counter, value] of Object.entries(now.counters)) {
        if (NOT_EXPORTED.has(counter)) continue;
        const by = value - (before?.counters[counter] ?? 0);
        if (m.own[counter]) grow(m.own[counter], labels, by);
        else grow(m.stepCounter, { ...labels, counter }, by);
      }
      last.set(now.step, now);
    }
  };
  return Object.assign(add, { forget: (run: ObservedRun) => seen.delete(run.runId) });
}

function defineMetrics(registry: Registry) {
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter<L>({ name, help, labelNames, registers });
  const histogram = (name: string, help: string, labelNames: string[], buckets: number[]) =>
    new Histogram({ name, help, labelNames, buckets, registers });
  const gauge = (name: string, help: string, labelNames: string[]) => new Gauge({ name, help, labelNames, registers });
  const perStep = ['pipeline', 'step'] as const;
  return {
    records: Object.fromEntries(
      RECORD_COUNTS.map((name) => [
        name,
        counter(`etl_records_${name}_total`, `Records ${name} per pipeline and step, as the run summary counts them.`, [
          ...perStep,
        ]),
      ]),
    ) as Record<(typeof RECORD_COUNTS)[number], Counter<'pipeline' | 'step'>>,
    own: Object.fromEntries(
      Object.entries(OWN_METRIC).map(([name, metric]) => [
        name,
        counter(metric, `The "${name}" counter of each step (plugin counters in the run summary).`, [...perStep]),
      ]),
    ),
    stepCounter: counter(
      'etl_step_counter_total',
      'Other plugin counters of each step (created, updated, resent, ...), as in the run summary.',
      [...perStep, 'counter'],
    ),
    sourceBatch: histogram(
      'etl_source_batch_seconds',
      'Time the source took to produce each batch.',
      [...perStep],
      LATENCY_BUCKETS,
    ),
    sinkWrite: histogram(
      'etl_sink_write_seconds',
      "Time each sink write took, the runtime's retries included.",
      [...perStep],
      LATENCY_BUCKETS,
    ),
    httpRequests: counter(
      'etl_http_requests_total',
      'HTTP requests of plugins by answer: status code and class (2xx..5xx, or "error" when no answer came).',
      [...perStep, 'plugin', 'code', 'class'],
    ),
    limiterWait: histogram(
      'etl_limiter_wait_seconds',
      'Time requests waited in a rate limiter before they were sent.',
      ['pipeline', 'limiter'],
      WAIT_BUCKETS,
    ),
    dailyRemaining: gauge(
      'etl_daily_budget_remaining',
      "Requests left today in a limiter's daily budget: the lower of its own count and the remote's report.",
      ['pipeline', 'limiter'],
    ),
    runs: counter('etl_runs_total', 'Runs ended, by status (succeeded, failed, interrupted).', ['pipeline', 'status']),
    active: gauge('etl_runs_active', 'Runs in progress in this process.', ['pipeline']),
  };
}

function grow<L extends string>(counter: Counter<L>, labels: Partial<Record<L, string>>, by: number): void {
  // A counter only grows; zero increments still create the series, so a panel shows 0 instead of "no data".
  if (by >= 0) counter.inc(labels, by);
}

/** `2xx` … `5xx`, `1xx`, or `error` for a request that got no answer. */
export function statusClass(status: number | undefined): string {
  return status === undefined || status < 100 || status > 599 ? 'error' : `${Math.floor(status / 100)}xx`;
}

/**
 * The runtime's observer seam: what a run reports, as it happens, to whoever watches it (the CLI's Prometheus
 * metrics, a progress file). Observers only listen: they are called synchronously, must return quickly, and an
 * observer that throws is ignored (a broken display must not break the run).
 *
 * Counts are not counted twice: `stepCounts` hands over the step counters the run summary is built from (cumulative
 * since the run started), so an observer that needs increments takes the difference from the previous call.
 */
import type { PluginKind } from '../plugins/types.js';
import type { RunSummary } from './types.js';

/** The run an event belongs to. */
export interface ObservedRun {
  runId: string;
  pipeline: string;
  profile?: string;
}

/** One step's counters so far in this run: what the summary's step line will say. */
export interface StepCounts {
  step: string;
  kind: PluginKind;
  /** The plugin's `name`. */
  plugin: string;
  read: number;
  written: number;
  rejected: number;
  unchanged: number;
  filtered: number;
  skipped: number;
  /** Plugin counters (`retries`, `requests`, `http429`, `created`, …). */
  counters: Readonly<Record<string, number>>;
}

/** Listens to a run; every method is optional. `RunOptions.observers` takes any number of them. */
export interface RunObserver {
  /** The run folder exists and the run starts (a run whose folder cannot be created reports nothing). */
  runStart?(run: ObservedRun): void;
  /** Every step's counts, cumulative: after each source batch is distributed, after each sink write, and at the end. */
  stepCounts?(run: ObservedRun, steps: readonly StepCounts[]): void;
  /** The source produced a batch of `records` in `seconds` (the time spent in the source's iterator). */
  sourceBatch?(run: ObservedRun, batch: { step: string; records: number; seconds: number }): void;
  /** A sink write of `records` ended (written or failed) after `seconds`, its retries included. */
  sinkWrite?(run: ObservedRun, write: { step: string; plugin: string; records: number; seconds: number }): void;
  /**
   * A request of core's HTTP client (`createHttpClient`) was answered (`status`), or failed without an answer
   * (`status` undefined: network error or timeout), `seconds` after it was sent (limiter wait excluded).
   */
  httpAnswer?(run: ObservedRun, answer: { step: string; plugin: string; status?: number; seconds: number }): void;
  /** A request waited `seconds` in a rate limiter (queue, window and pauses) before it was sent. */
  limiterWait?(run: ObservedRun, wait: { limiter: string; seconds: number }): void;
  /** A limiter with a daily budget has `remaining` of `daily` requests left today (at the start and after each spend). */
  dailyBudget?(run: ObservedRun, budget: { limiter: string; daily: number; remaining: number }): void;
  /** The run ended; `summary` is what `runPipeline` resolves with (after the last `stepCounts`). */
  runEnd?(run: ObservedRun, summary: RunSummary): void;
}

/**
 * The two shapes on either side of resolution: what the config side hands the runtime (`ResolvedPipeline`), and what
 * the runtime reports back (`RunSummary`). The runtime only ever sees resolved plugin objects.
 */
import type { SharedStateStore } from '../services/shared-state.js';
import type { RunSummary, StepTotals } from './run-summary.js';
import type { DataRecord, Logger, Plugin, PluginKind, RetryOptions } from '../plugins/types.js';

export type { RunSummary, StepSummary, StepTotals } from './run-summary.js';

export interface LimiterSpec {
  /** Requests allowed per interval. */
  max: number;
  intervalMs: number;
  /** Requests in flight at once. @default 10 */
  maxConcurrent?: number;
  /** Optional requests allowed per day (HubSpot's daily budget). */
  daily?: number;
  /**
   * Where the budget is kept: `memory` (this process alone) or the name of a shared store every process of every host
   * takes from (`redis`). @default 'memory'
   */
  store?: string;
  /** The budget's name in a shared store (one per remote account, e.g. per HubSpot portal). @default the limiter's name */
  key?: string;
}

/**
 * A budget kept outside this process, so limiters of every process and host that name the same key share it (the
 * Redis store of @etl/queue). The in-memory limiter still orders and caps the requests of its own process.
 */
export interface SharedLimiterStore {
  /**
   * Waits until `weight` more requests fit in the key's rolling window (at most `max` in any `windowMs`, each one
   * counted from its start until `windowMs` after its answer) and its budget of the UTC day (`daily`), and takes them.
   * Resolves with `release`, to call once the requests are answered, or with the time the daily budget resets when
   * it is spent. Rejects with the signal's reason when the signal aborts first.
   */
  acquire(request: SharedAcquire): Promise<{ release(): void } | { dailyResetsAt: number }>;
}

export interface SharedAcquire {
  key: string;
  max: number;
  windowMs: number;
  daily?: number;
  weight: number;
  signal: AbortSignal;
}

export interface ResolvedStep {
  name: string;
  kind: PluginKind;
  /** What the user wrote in `use:`, and where the plugin came from (package name or file). */
  use: string;
  from: string;
  plugin: Plugin;
  /** Validated config with schema defaults applied and `${env:…}` interpolated. */
  config: DataRecord;
  /** Upstream step names (empty for the source). */
  inputs: string[];
  /** Name of the shared limiter this step uses, if any. */
  limiter?: string;
  /** Records per sink write (overrides the plugin's default). */
  batchSize?: number;
  retry?: RetryOptions;
}

export interface ResolvedPipeline {
  /** The pipeline's name (file name without extension unless `name:` says otherwise). */
  name: string;
  file: string;
  profile?: string;
  /** Steps in topological order (source first). */
  steps: ResolvedStep[];
  limiters: Record<string, LimiterSpec>;
  /** Values that must never be printed: every config value whose schema says `secret: true`, plus env values they came from. */
  secrets: string[];
  /** Records a source batch should hold. @default 5000 */
  batchSize?: number;
}

export interface RunOptions {
  /** The project's state folder (checkpoints, run history, caches), e.g. `.etl/`. */
  stateDir: string;
  dryRun?: boolean;
  /**
   * Start a new lineage from the beginning instead of resuming, with sinks' state (ledgers) emptied, and run even
   * when the input and pipeline are unchanged (up to date). The lineage stays fresh when it is resumed.
   */
  fresh?: boolean;
  /** Ask sinks that can read back (`reconcile()`) to check their state against the destination before writing; runs even when up to date. */
  reconcile?: boolean;
  logger?: Logger;
  /** Abort to stop the run cleanly (the CLI wires SIGINT/SIGTERM to this). */
  signal?: AbortSignal;
  /** Progress and lifecycle events for a terminal UI (throttled to a few a second). */
  onEvent?(event: RunEvent): void;
  /** Listeners to every count, batch, write, HTTP answer and limiter wait of the run (metrics, progress files). */
  observers?: readonly RunObserver[];
  /** Injectable clock for tests. */
  now?(): number;
  /** Shared budgets by store name, for limiters whose `store:` names one (the CLI opens `redis` when one does). */
  limiterStores?: Partial<Record<string, SharedLimiterStore>>;
  /**
   * Keep committed state, the pipeline lock and run history in this shared store (the CLI opens it from
   * `ETL_STATE_URL` or the project's `stateUrl`) instead of the state folder. Run folders (logs, rejects) stay local.
   */
  stateStore?: SharedStateStore;
}

export type RunEvent =
  | { type: 'run-start'; runId: string; resumed: boolean; from?: unknown }
  | { type: 'step-progress'; step: string; phase: string; done?: number; total?: number; unit?: string }
  | { type: 'batch'; step: string; read: number; written: number; rejected: number }
  | { type: 'run-end'; summary: RunSummary };

// ---------------------------------------------------------------------------------------------------------------------
// Observers: what a run reports, as it happens, to whoever watches it (the CLI's Prometheus metrics, a progress file).
// Observers only listen: they are called synchronously, must return quickly, and one that throws is ignored (a broken
// display must not break the run). Counts are not counted twice: `stepCounts` hands over the step counters the run
// summary is built from (cumulative since the run started); an observer that needs increments takes the difference.
// ---------------------------------------------------------------------------------------------------------------------

/** The run an event belongs to. */
export interface ObservedRun {
  runId: string;
  pipeline: string;
  profile?: string;
}

/** One step's counters so far in this run: what the summary's step line will say. */
export interface StepCounts extends StepTotals {
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
  /**
   * A limiter with a daily budget has `remaining` of `daily` requests left today: the lower of its own count and what
   * the remote last reported (`RateLimiter.observe({ dailyRemaining })`). At the start, after each spend and report.
   */
  dailyBudget?(run: ObservedRun, budget: { limiter: string; daily: number; remaining: number }): void;
  /** The run ended; `summary` is what `runPipeline` resolves with (after the last `stepCounts`). */
  runEnd?(run: ObservedRun, summary: RunSummary): void;
}

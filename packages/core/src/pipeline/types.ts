/**
 * The two shapes on either side of resolution: what the config side hands the runtime (`ResolvedPipeline`), and what
 * the runtime reports back (`RunSummary`). The runtime only ever sees resolved plugin objects.
 */
import type { SharedStateStore } from '../services/shared-state.js';
import type { DataRecord, Logger, Plugin, PluginKind, ReconcileReport, RetryOptions } from '../plugins/types.js';

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
  /** Progress and lifecycle events for a terminal UI. */
  onEvent?(event: RunEvent): void;
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

export interface StepSummary {
  step: string;
  kind: PluginKind;
  /** The plugin's `name` (the summary's plugin column), not the step's `use:`, which may be a path like `./plugins/x.mjs`. */
  plugin: string;
  read: number;
  written: number;
  rejected: number;
  unchanged: number;
  filtered: number;
  durationMs: number;
  /** Plugin counters (`retries`, `requests`, `http429`, `created`, `updated`, …). */
  counters: Record<string, number>;
  /** Sinks that name their destination: where they wrote, and whether this pipeline had written there before. */
  destination?: { id: string; label: string; note?: string; known: boolean };
  /** `--reconcile`: what the sink's state claimed and the destination contradicted. */
  reconcile?: ReconcileReport;
}

export interface RunSummary {
  runId: string;
  pipeline: string;
  profile?: string;
  status: 'succeeded' | 'failed' | 'interrupted';
  /** True when this run continued from an earlier run's checkpoint. */
  resumed: boolean;
  /** The lineage the run belongs to (the id of the run that started it), and whether it was started with --fresh. */
  lineage?: string;
  fresh?: boolean;
  /** Why an interrupted run was not resumed: its input, pipeline, batch size or destinations changed since. */
  restarted?: string;
  dryRun: boolean;
  /**
   * True when the run ended at once because the source's input version and the pipeline's fingerprint equal those of
   * the last succeeded run (nothing was read or written; `--fresh` runs anyway).
   */
  upToDate?: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  steps: StepSummary[];
  /** The run's folder, its rejects file (JSON lines) and log file. */
  runDir: string;
  rejectsFile: string;
  logFile: string;
  error?: { code: string; message: string; exitCode: number; suggestions: string[] };
}

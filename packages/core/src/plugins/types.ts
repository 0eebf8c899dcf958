/**
 * The plugin contract: everything a source, transform or sink plugin may rely on, and nothing else.
 *
 * Types only. This module imports nothing at run time, so a plugin that imports `@etl/core/plugin`
 * pulls in no part of the runtime. Helpers (`defineSource`, errors, `rejectRecord`) live in `@etl/core`.
 */

/** A JSON Schema object (draft 2020-12 subset understood by ajv). `secret: true` marks a field whose value must never be printed. */
export type JsonSchema = { [keyword: string]: unknown };
/** Typing a config from its schema (`as const`): see config-schema.ts. */
export type { ConfigSchema, ConfigFromSchema, ConfigInputFromSchema } from './config-schema.js';

/** Any value that survives `JSON.stringify` → `JSON.parse` unchanged. Positions and state values must be JSON. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One record flowing through a pipeline: a flat or nested object of plain values. */
export type DataRecord = { [field: string]: unknown };

export type PluginKind = 'source' | 'transform' | 'sink';

/** How a run ended, as sinks are told in `close()`. */
export type RunOutcome = 'succeeded' | 'failed' | 'interrupted';

// ---------------------------------------------------------------------------------------------------------------------
// Services handed to plugins
// ---------------------------------------------------------------------------------------------------------------------

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured logger. Known secret values are redacted from messages and fields before anything is written. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines carry `fields` as well. */
  child(fields: Record<string, unknown>): Logger;
}

export interface RetryOptions {
  /** Total attempts including the first. @default 6 */
  attempts?: number;
  /** Give up once this much time has passed since the first attempt. @default 300000 */
  maxElapsedMs?: number;
  /** First backoff ceiling; doubles each attempt (full jitter: a random wait in [0, ceiling]). @default 500 */
  baseDelayMs?: number;
  /** Largest backoff ceiling. @default 30000 */
  maxDelayMs?: number;
  /** Called before each wait, e.g. to count retries. */
  onRetry?(info: { attempt: number; delayMs: number; error: unknown }): void;
  /** Label used in logs and in the error raised when retries are exhausted. */
  operation?: string;
}

/** Retries work that fails with a `RetriableError` (or an error a plugin classed as retriable); anything else is rethrown at once. */
export interface RetryService {
  run<T>(work: (attempt: number) => Promise<T>, options?: RetryOptions): Promise<T>;
}

/** A named, shared rate limiter (bottleneck underneath). All steps naming the same limiter share its budget. */
export interface RateLimiter {
  readonly name: string;
  /** Runs `work` when the limiter allows; `weight` counts it as that many requests. */
  schedule<T>(work: () => Promise<T>, options?: { weight?: number; priority?: number }): Promise<T>;
  /**
   * Tells the limiter what the remote side reported (e.g. HubSpot's X-HubSpot-RateLimit-Remaining), so it can slow
   * down before the remote starts refusing. `pauseMs` blocks all scheduling for that long (a 429's wait).
   * `dailyRemaining` is what the remote says is left of its daily budget (shared by every client of the account); the
   * run's observers report the lower of it and the limiter's own count of its `daily` budget.
   */
  observe(hint: {
    remaining?: number;
    max?: number;
    intervalMs?: number;
    pauseMs?: number;
    dailyRemaining?: number;
  }): void;
  /** Requests allowed per interval as configured. */
  readonly limit: { max: number; intervalMs: number; maxConcurrent: number };
}

/**
 * Per-step durable key/value state (e.g. a sink's ledger of what it last sent, a transform's seen keys).
 * Writes are staged and become durable atomically with the step's next checkpoint commit, so state never runs ahead
 * of (or behind) the data the sinks have flushed. Reads see staged writes.
 */
export interface StepState {
  get<T extends JsonValue = JsonValue>(key: string): T | undefined;
  set(key: string, value: JsonValue): void;
  delete(key: string): void;
  has(key: string): boolean;
  /** Number of committed + staged keys. */
  readonly size: number;
  /** Iterates all keys (committed and staged) in no particular order. */
  keys(): IterableIterator<string>;
  /** Drops every key of this step (staged until the next commit). */
  clear(): void;
  /**
   * Loads these keys before `get/has` read them. The embedded store reads synchronously anyway (this resolves at
   * once); a shared store (`ETL_STATE_URL=mysql://…`) serves `get/has` only for keys loaded here since the last call
   * and throws for any other, so an async hook (a sink's `write()`, `reconcile()`) calls it with the keys it is about
   * to read. Transforms declare theirs with `stateKeys` instead (their record function cannot await).
   */
  prefetch(keys: Iterable<string>): Promise<void>;
}

export interface StepDirs {
  /** The state folder for this pipeline (checkpoints, caches, sessions). Persists across runs. */
  state: string;
  /** This run's folder (logs, rejects, failure screenshots). */
  run: string;
  /** A cache folder for this step that persists across runs (downloads). */
  cache: string;
}

export interface ProgressUpdate {
  /** What is happening, e.g. "downloading archive.zip". */
  phase: string;
  done?: number;
  total?: number;
  unit?: 'bytes' | 'records' | 'requests';
}

/** What every hook gets: services shared by the whole run, scoped to one step. */
export interface StepContext {
  readonly pipeline: string;
  readonly step: string;
  readonly runId: string;
  /**
   * The lineage this run belongs to: the id of the run that started it. A resumed run keeps its lineage; `--fresh`, or
   * an interrupted run whose input or pipeline changed since, starts a new one. Name per-lineage work with it (a
   * shadow table); checkpoint tokens already carry it.
   */
  readonly lineage: string;
  readonly logger: Logger;
  /** Aborted on SIGINT/SIGTERM: stop starting new work, let in-flight work finish or abort it, return promptly. */
  readonly signal: AbortSignal;
  readonly retry: RetryService;
  /**
   * The limiter named by `name`, else the step's `limiter:` (shared with every step naming it), else the step's own
   * limiter built from the plugin's `rateLimit` default; undefined when none of these exists.
   */
  limiter(name?: string): RateLimiter | undefined;
  readonly state: StepState;
  readonly dirs: StepDirs;
  /** `etl run --dry-run`: read and plan, write nothing anywhere. */
  readonly dryRun: boolean;
  /**
   * True in every run of a lineage that was started with `--fresh`, resumes included (the flag is kept in the
   * checkpoint). Caches from before the lineage must not be trusted. Sinks need not act on it for their state: the
   * runtime empties a sink's `ctx.state` when a fresh lineage starts, so entries a resumed fresh lineage sees are its own.
   */
  readonly fresh: boolean;
  /**
   * `etl run --reconcile`: sinks that implement `reconcile()` are asked to compare their state with the destination
   * before the first write. Other hooks may read it to explain what they do.
   */
  readonly reconcile: boolean;
  /** Records per source batch the pipeline asks for (`settings.batchSize`, default 5000); sources honour it unless their own config says otherwise. */
  readonly batchSize: number;
  progress(update: ProgressUpdate): void;
  /**
   * A salted hash of a secret (a token), stable for this project: the salt is random and kept in the state folder,
   * so the hash names the secret without letting anyone guess it offline. For identities built from credentials.
   */
  hashSecret(value: string): string;
  /** Registers a value that must never appear in output (a token fetched at run time, for example). */
  addSecret(value: string): void;
  /** Adds to this step's counters in the run summary (e.g. `retries`, `requests`, `http429`). */
  count(counter: string, by?: number): void;
}

// ---------------------------------------------------------------------------------------------------------------------
// Records in motion
// ---------------------------------------------------------------------------------------------------------------------

/** A record the pipeline could not use, with where it came from and why. Written to the run's rejects file and counted. */
export interface Rejection {
  /** `file:line` for file sources, a record key (e.g. an email) further down the pipeline. */
  location: string;
  reason: string;
  /** The record (or raw row) as it was when rejected. */
  record?: unknown;
}

/** What a source yields: records read since the previous batch, and where to resume after them. */
export interface SourceBatch {
  records: DataRecord[];
  /** Rows read but unusable (malformed CSV lines...). They count as read and rejected. */
  rejects?: Rejection[];
  /** Where to resume to skip this batch and everything before it. Must be JSON. */
  position: JsonValue;
  /** Location of `records[i]` for rejects raised downstream (e.g. `babyNames.csv:1042`). */
  locate?(index: number): string;
}

/** Identifies a record by the source batch it came from and its index there; used to resume exactly. */
export interface RecordRef {
  seq: number;
  index: number;
}

/** What a sink's `write` gets: records in source order, with their refs and a checkpoint token. */
export interface SinkBatch {
  records: DataRecord[];
  refs: RecordRef[];
  locate(index: number): string;
  /**
   * Opaque JSON token naming the last record of this batch within this run lineage. A sink that can commit it in the
   * same transaction as the data (a database) should, and hand it back from `restore()`: then a crash between the
   * sink's commit and the runtime's checkpoint cannot replay this batch.
   */
  checkpoint: JsonValue;
}

/** What `write` reports back. Every input record must be accounted for: written + rejected + unchanged + skipped = records.length. */
export interface WriteResult {
  written: number;
  /** Records the destination already held with the same content, not sent again. */
  unchanged?: number;
  /** Records left out on purpose (e.g. beyond a `limit`): shown as `filtered` in the summary. */
  skipped?: number;
  rejects?: Rejection[];
  /** Finer counts for the summary: e.g. `{ created: 10, updated: 3 }`. */
  details?: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------------------------------
// Plugins
// ---------------------------------------------------------------------------------------------------------------------

/** A request rate, as a plugin declares its remote's default (`rateLimit`) and as `limiters:` are written in YAML. */
export interface RateLimitSpec {
  /** Requests allowed per interval (a rolling window). */
  max: number;
  intervalMs: number;
  /** Requests in flight at once. @default 10 */
  maxConcurrent?: number;
  /** Requests allowed per day, if the remote has a daily budget. */
  daily?: number;
  /** Share of the window kept free for network jitter (e.g. 0.01). @default 0.03 */
  margin?: number;
}

export interface CheckResult {
  ok: boolean;
  /** One line for the person running `etl check`: what was reached, versions, rate limits seen. */
  message: string;
  details?: Record<string, unknown>;
}

interface PluginBase<Config> {
  /** The name users write in `use:`, e.g. `kaggle`, `mysql`, `hubspot`, `dedupe`. */
  readonly name: string;
  readonly kind: PluginKind;
  /** One sentence for `etl plugins`. */
  readonly description?: string;
  /** JSON Schema of the step's `config`, with `description` and `default` on each field and `secret: true` on secrets. */
  readonly configSchema: JsonSchema;
  /**
   * Tests connections and credentials without reading or writing data (`etl check`). Should finish in seconds.
   * Throws a `FatalError`/`ConfigError` or returns `ok: false` with what to fix.
   */
  check?(ctx: StepContext, config: Config): Promise<CheckResult>;
  /**
   * Checks what a JSON Schema cannot (a template's syntax, a regular expression), for `etl validate`: called after the
   * schema check with defaults applied; connects to nothing. Each problem names the config path it is about.
   */
  checkConfig?(config: Config): ConfigProblem[];
  /**
   * The rate the plugin's remote allows, for a step that names no `limiter:`: the runtime builds the step's own
   * limiter from it (so `ctx.limiter()` is defined) before any hook runs. A step naming a `limiter:` uses that one
   * instead, shared with the other steps naming it; that is how the YAML overrides or shares this default. A function
   * gets the step's config (defaults applied), e.g. to read an account tier; returning undefined means no limiter.
   */
  readonly rateLimit?: RateLimitSpec | ((config: Config) => RateLimitSpec | undefined);
}

/** A problem `checkConfig` found: `path` is dotted inside the step's config (e.g. `fields.email`). */
export interface ConfigProblem {
  path: string;
  message: string;
}

export interface SourcePlugin<Config = DataRecord> extends PluginBase<Config> {
  readonly kind: 'source';
  /**
   * Yields batches in order. Called once per run. `from` is the `position` of the last batch that every downstream
   * sink committed in an earlier run of this lineage (undefined on a fresh run); resume right after it.
   * The runtime pulls lazily: a slow sink slows the source (backpressure), so do not read ahead unboundedly.
   */
  read(ctx: StepContext, config: Config, from: JsonValue | undefined): AsyncIterable<SourceBatch>;
  /**
   * Names the input a run would read, e.g. `dataset v3, md5 …`, fetching or checking it as cheaply as possible (the
   * Kaggle source makes sure its cached download is current). Called before `read` on a run that does not resume.
   * When both this and the pipeline's resolved config equal those of the last succeeded run, the run ends at once as
   * up to date (unless `--fresh`). Return undefined when the input cannot be identified: the run always reads.
   */
  inputVersion?(ctx: StepContext, config: Config): Promise<string | undefined>;
  /** Always called after `read` finished or failed (release browsers, files). */
  close?(ctx: StepContext, config: Config): Promise<void>;
}

/**
 * What a transform returns for one record: the record (changed or not) to pass it on, `null`/`undefined` to filter it
 * out (counted as `filtered`), or a `Rejection` made with `rejectRecord(reason)` to reject it.
 */
export type TransformOutput = DataRecord | null | undefined | TransformRejection;

/** Marker for a rejected record; build it with `rejectRecord()` from `@etl/core`. */
export interface TransformRejection {
  readonly __rejected: true;
  readonly reason: string;
}

/** The per-record function a transform builds once per run. Must be synchronous and cheap: it runs on every record. */
export type RecordTransform = (record: DataRecord, ref: RecordRef) => TransformOutput;

export interface TransformPlugin<Config = DataRecord> extends PluginBase<Config> {
  readonly kind: 'transform';
  /** Builds the record function for this run; may read earlier state from `ctx.state` (e.g. keys already seen). */
  create(ctx: StepContext, config: Config): RecordTransform | Promise<RecordTransform>;
  /**
   * The `ctx.state` keys the record function reads for these records (dedupe: each record's key). The runtime loads
   * them before handing the batch over; needed only by transforms that read `ctx.state` while transforming, and only
   * with a shared state store, where a key not loaded cannot be read synchronously.
   */
  stateKeys?(config: Config, records: readonly DataRecord[]): Iterable<string>;
}

export interface SinkPlugin<Config = DataRecord> extends PluginBase<Config> {
  readonly kind: 'sink';
  /** Records per `write` call. The runtime buffers up to this many. @default 1000 */
  readonly batchSize?: number | ((config: Config) => number);
  /**
   * Names the destination this step writes to (a HubSpot portal, a database table). Called once per run before
   * `setup()`, dry runs included, and before the up-to-date check; keep it cheap (one request at most). `ctx.state` is
   * not available yet: the runtime binds it to the destination returned here. A destination this step has never
   * written starts with empty state, and the run says so. Throw `FatalError` when the destination cannot be
   * identified (bad credentials). Sinks that keep state (ledgers) or restore checkpoints must implement it.
   */
  destination?(ctx: StepContext, config: Config): Promise<Destination> | Destination;
  /** Connect, migrate, create properties... Called once before the first write (also in dry runs: do not write then). */
  setup?(ctx: StepContext, config: Config): Promise<void>;
  /**
   * `etl run --reconcile`: reads back what `ctx.state` claims the destination holds (in batches: a read per many
   * entries), and deletes the claims the destination contradicts, so this run sends those records again. Called after
   * `setup()` and `restore()`, before the first write, only when `ctx.reconcile` is set. Count what is re-sent with
   * `ctx.count('resent')`.
   */
  reconcile?(ctx: StepContext, config: Config): Promise<ReconcileReport>;
  /**
   * A sink that commits checkpoints together with its data (see `SinkBatch.checkpoint`) returns the last token it
   * committed for this lineage, so the runtime resumes after it. Called after `setup` on a resumed run.
   */
  restore?(ctx: StepContext, config: Config): Promise<JsonValue | undefined>;
  /**
   * Writes one batch. When the promise resolves, the batch must be durable (committed, acknowledged): the runtime
   * then commits the checkpoint. Throw `RetriableError` for transient failures (the runtime retries the whole call,
   * so writes must be idempotent) and `FatalError` to stop the run. Records that cannot be written go in `rejects`.
   * In a dry run, report what would happen without writing (`details.wouldCreate`...).
   */
  write(ctx: StepContext, config: Config, batch: SinkBatch): Promise<WriteResult>;
  /**
   * Always called once at the end. `outcome` says how the run ended: a sink that publishes its work at the end
   * (e.g. swapping in a freshly loaded table) does so only on `succeeded`.
   */
  close?(ctx: StepContext, config: Config, outcome: RunOutcome): Promise<void>;
  /**
   * For sinks that own a schema (`etl migrate <pipeline> [up|down|status]`): `up` runs pending migrations, `down`
   * reverts the last one, `status` only reports. Returns what was applied or is pending, for printing.
   */
  migrate?(ctx: StepContext, config: Config, action: 'up' | 'down' | 'status'): Promise<MigrationReport>;
}

/**
 * Where a sink writes, as its `destination()` hook names it. The runtime keeps the sink's state (`ctx.state`) and its
 * resume position per destination, so a ledger of what one HubSpot portal holds is never trusted for another.
 */
export interface Destination {
  /**
   * Stable identity of the place written to: the same string for the same destination on every run and machine, a
   * different one for any other. Never a secret. E.g. `hubspot:portal:12345`, `mysql://db.example:3306/etl/baby_names`.
   */
  id: string;
  /** How to name it to a person, e.g. `HubSpot portal 12345 (https://api.hubapi.com)`. @default id */
  label?: string;
  /** A caveat for the log, e.g. why a weaker fallback identity was used. */
  note?: string;
}

/** What `reconcile()` found: ledger claims it checked, and how many of them the destination contradicted. */
export interface ReconcileReport {
  /** State entries (ledger claims) compared with the destination. */
  checked: number;
  /** Claimed records the destination does not hold (deleted there, or never arrived). */
  missing: number;
  /** Claimed records the destination holds with other content. */
  different: number;
  /** Read requests spent. */
  reads?: number;
}

export interface MigrationReport {
  /** Migrations applied before this call, oldest first. */
  applied: string[];
  /** Migrations not yet applied. */
  pending: string[];
  /** What this call ran (`up`: applied now; `down`: reverted now). */
  ran: string[];
}

export type Plugin<Config = any> = SourcePlugin<Config> | TransformPlugin<Config> | SinkPlugin<Config>;

/**
 * What a plugin module exports: `export default` a factory (called once per step that uses the plugin, so closure
 * state is per step) or a plugin object. A module may also export `plugins` (an array of factories/objects) to
 * provide several plugins.
 */
export type PluginFactory<Config = any> = () => Plugin<Config>;
export type PluginModule = { default?: PluginFactory | Plugin; plugins?: Array<PluginFactory | Plugin> };

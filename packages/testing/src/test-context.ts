import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLogger,
  createRateLimiter,
  createRetryService,
  createStepContext,
  defaultLimiterKey,
  newStats,
  openCheckpointStore,
  type CheckpointStore,
  type LimiterSpec,
  type ProgressUpdate,
  type RateLimiter,
  type RateLimitSpec,
  type ResolvedStep,
  type StepContext,
  type StepStats,
} from '@etl/core';
import { Writable } from 'node:stream';

export interface TestContextOptions {
  /** State folder shared across contexts (to test what survives a run); a fresh temp folder by default. */
  stateDir?: string;
  dryRun?: boolean;
  fresh?: boolean;
  /** `ctx.reconcile` (`etl run --reconcile`). */
  reconcile?: boolean;
  /** `ctx.batchSize` (the pipeline's `settings.batchSize`). @default 5000 */
  batchSize?: number;
  step?: string;
  pipeline?: string;
  signal?: AbortSignal;
  /** Limiters `ctx.limiter(name)` returns; the first is the step's default. */
  limiters?: Record<string, LimiterSpec>;
  secrets?: string[];
  /** Retry defaults for `ctx.retry` (e.g. `{ baseDelayMs: 1 }` to keep tests fast). */
  retry?: ResolvedStep['retry'];
  /** The plugin's default rate (its `rateLimit`), for a step without `limiters`: `ctx.limiter()` returns it, as in a run. */
  rateLimit?: RateLimitSpec;
}

/** A real `StepContext` for calling a plugin's hooks directly, plus what it recorded. */
export interface TestContext extends StepContext {
  /** Every log line as written (JSON objects, already redacted). */
  readonly logs: Array<Record<string, unknown>>;
  readonly progressUpdates: ProgressUpdate[];
  /** `count()` totals. */
  readonly stats: StepStats;
  readonly store: CheckpointStore;
  /** Commits staged `ctx.state` writes, as the runtime does after a sink write. */
  commitState(): Promise<void>;
  /** Closes the store and limiters. */
  dispose(): Promise<void>;
}

export async function createTestContext(options: TestContextOptions = {}): Promise<TestContext> {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'etl-test-'));
  const stepName = options.step ?? 'step';
  const runDir = mkdtempSync(join(tmpdir(), 'etl-test-run-'));
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ format: 'json', level: 'debug', stream: sink, secrets: options.secrets });
  const store = await openCheckpointStore(join(stateDir, 'pipelines', options.pipeline ?? 'test'), { lock: false });
  const limiters = new Map<string, RateLimiter & { stop(): Promise<void> }>();
  for (const [name, spec] of Object.entries(options.limiters ?? {})) limiters.set(name, createRateLimiter(name, spec));
  if (options.rateLimit && limiters.size === 0)
    limiters.set(
      defaultLimiterKey(stepName),
      createRateLimiter(stepName, options.rateLimit, { margin: options.rateLimit.margin }),
    );
  const stats = newStats();
  const progressUpdates: ProgressUpdate[] = [];
  const step = {
    name: stepName,
    limiter: Object.keys(options.limiters ?? {})[0],
    retry: options.retry,
  } as ResolvedStep;
  const ctx = createStepContext(step, {
    pipeline: options.pipeline ?? 'test',
    runId: 'test-run',
    logger,
    signal: options.signal ?? new AbortController().signal,
    retry: createRetryService(),
    limiters: limiters as Map<string, RateLimiter>,
    state: store.state(stepName),
    stateDir: join(stateDir, 'pipelines', options.pipeline ?? 'test'),
    runDir,
    dryRun: options.dryRun === true,
    fresh: options.fresh === true,
    reconcile: options.reconcile === true,
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    stats,
    addSecret: (v) => logger.addSecret(v),
    onProgress: (_s, u) => progressUpdates.push(u),
  });
  return Object.assign(ctx, {
    logs,
    progressUpdates,
    stats,
    store,
    commitState: () => store.commit(null),
    async dispose() {
      for (const l of limiters.values()) await l.stop();
      await store.close();
    },
  });
}

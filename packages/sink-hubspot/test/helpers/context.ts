/**
 * A minimal StepContext for driving the sink's hooks directly: real core services (checkpoint store for `state`,
 * retry service), a logger that keeps its lines, and counters. The runtime is not under test here.
 */
import {
  createRetryService,
  hashSecret,
  openCheckpointStore,
  type CheckpointStore,
  type Logger,
  type RateLimiter,
  type StepContext,
} from '@etl/core';

export interface TestContext extends StepContext {
  counters: Record<string, number>;
  lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }>;
  secrets: string[];
  store: CheckpointStore;
  /** Commits staged state, as the runtime does after a write resolves. */
  commit(checkpoint?: unknown): Promise<void>;
}

const open = new Set<CheckpointStore>();

/** Closes every store a test left open (they hold the state folder's lock). Call from `afterEach`. */
export async function closeContexts(): Promise<void> {
  const stores = [...open];
  open.clear();
  await Promise.all(stores.map((store) => store.close().catch(() => undefined)));
}

export async function testContext(
  options: {
    dir?: string;
    dryRun?: boolean;
    fresh?: boolean;
    reconcile?: boolean;
    limiter?: RateLimiter;
    signal?: AbortSignal;
  } = {},
): Promise<TestContext> {
  const store = await openCheckpointStore(options.dir, { fsync: false });
  open.add(store);
  const lines: TestContext['lines'] = [];
  const logger = (fields: Record<string, unknown> = {}): Logger => ({
    debug: (message, f) => void lines.push({ level: 'debug', message, fields: { ...fields, ...f } }),
    info: (message, f) => void lines.push({ level: 'info', message, fields: { ...fields, ...f } }),
    warn: (message, f) => void lines.push({ level: 'warn', message, fields: { ...fields, ...f } }),
    error: (message, f) => void lines.push({ level: 'error', message, fields: { ...fields, ...f } }),
    child: (more) => logger({ ...fields, ...more }),
  });
  const counters: Record<string, number> = {};
  const secrets: string[] = [];
  return {
    pipeline: 'test',
    step: 'hubspot',
    runId: 'run-1',
    lineage: 'run-1',
    logger: logger(),
    signal: options.signal ?? new AbortController().signal,
    // As the runtime's: retries of a failed write are counted as `retries`.
    retry: createRetryService({
      defaults: {
        baseDelayMs: 50,
        maxDelayMs: 500,
        onRetry: () => void (counters.retries = (counters.retries ?? 0) + 1),
      },
    }),
    limiter: () => options.limiter,
    state: store.state('hubspot'),
    dirs: { state: options.dir ?? '/tmp', run: options.dir ?? '/tmp', cache: options.dir ?? '/tmp' },
    dryRun: options.dryRun ?? false,
    fresh: options.fresh ?? false,
    reconcile: options.reconcile ?? false,
    batchSize: 5000,
    // The real salted hash, under a salt in the test's state folder.
    hashSecret: (value) => hashSecret(options.dir ?? '/tmp', value),
    progress: () => undefined,
    addSecret: (value) => void secrets.push(value),
    count: (counter, by = 1) => void (counters[counter] = (counters[counter] ?? 0) + by),
    counters,
    lines,
    secrets,
    store,
    commit: (checkpoint = null) => store.commit(checkpoint as never),
  };
}

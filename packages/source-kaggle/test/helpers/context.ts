/**
 * A StepContext for calling the plugin's hooks directly: real folders under a temp dir, core's real retry service
 * (short backoff), and recorders for logs, progress, counters and secrets.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyConfigDefaults, createRetryService, type Logger, type StepContext, type StepState } from '@etl/core';
import { configSchema, type KaggleConfig, type KaggleConfigInput } from '@etl/source-kaggle';

export interface TestContext extends StepContext {
  logs: Array<{ level: string; message: string }>;
  counters: Record<string, number>;
  secrets: string[];
  progressUpdates: Array<{ phase: string; done?: number; total?: number }>;
  root: string;
  cleanup(): Promise<void>;
}

export function testContext(
  overrides: { fresh?: boolean; root?: string; signal?: AbortSignal; batchSize?: number } = {},
): TestContext {
  const root = overrides.root ?? mkdtempSync(join(tmpdir(), 'etl-kaggle-test-'));
  const logs: TestContext['logs'] = [];
  const logger: Logger = {
    debug: (message) => void logs.push({ level: 'debug', message }),
    info: (message) => void logs.push({ level: 'info', message }),
    warn: (message) => void logs.push({ level: 'warn', message }),
    error: (message) => void logs.push({ level: 'error', message }),
    child: () => logger,
  };
  const counters: Record<string, number> = {};
  const secrets: string[] = [];
  const progressUpdates: TestContext['progressUpdates'] = [];
  const store = new Map<string, unknown>();
  const state = {
    get: (key: string) => store.get(key),
    set: (key: string, value: unknown) => void store.set(key, value),
    delete: (key: string) => void store.delete(key),
    has: (key: string) => store.has(key),
    get size() {
      return store.size;
    },
    keys: () => store.keys(),
    clear: () => store.clear(),
  } as unknown as StepState;
  return {
    pipeline: 'test',
    step: 'kaggle',
    runId: 'run-1',
    logger,
    signal: overrides.signal ?? new AbortController().signal,
    retry: createRetryService({
      defaults: {
        baseDelayMs: 20,
        maxDelayMs: 200,
        onRetry: () => void (counters.retries = (counters.retries ?? 0) + 1),
      },
    }),
    limiter: () => undefined,
    state,
    dirs: { state: join(root, 'state'), run: join(root, 'run'), cache: join(root, 'cache') },
    dryRun: false,
    fresh: overrides.fresh ?? false,
    batchSize: overrides.batchSize ?? 5000,
    progress: (update) => void progressUpdates.push(update),
    addSecret: (value) => void secrets.push(value),
    count: (counter, by = 1) => void (counters[counter] = (counters[counter] ?? 0) + by),
    logs,
    counters,
    secrets,
    progressUpdates,
    root,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** A step config as hooks get it: the schema's defaults applied, as `etl run` does before calling a hook. */
export const configOf = (input: Record<string, unknown>): KaggleConfig =>
  applyConfigDefaults(configSchema, input as KaggleConfigInput);

/** Drains a source's `read()` into plain arrays. */
export async function readAll(batches: AsyncIterable<import('@etl/core').SourceBatch>) {
  const records: Array<Record<string, unknown>> = [];
  const rejects: Array<{ location: string; reason: string }> = [];
  const positions: unknown[] = [];
  const locations: string[] = [];
  for await (const batch of batches) {
    records.push(...batch.records);
    rejects.push(...(batch.rejects ?? []).map(({ location, reason }) => ({ location, reason })));
    positions.push(batch.position);
    batch.records.forEach((_, i) => locations.push(batch.locate!(i)));
  }
  return { records, rejects, positions, locations };
}

import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ResolvedStep } from '../pipeline/types.js';
import type { Logger, ProgressUpdate, RateLimiter, StepContext, StepState } from '../plugins/types.js';
import type { ConfigurableRetryService } from '../services/retry.js';
import { hashSecret } from '../services/salt.js';

/** `stateDir` in the deps is a pipeline's state folder (`<project state>/pipelines/<name>`); the salt is the project's. */
const projectStateDir = (pipelineStateDir: string): string => dirname(dirname(pipelineStateDir));

/** Counters of one step, as the run summary reports them. */
export interface StepStats {
  read: number;
  /** Sinks: written; sources and transforms: passed on downstream. */
  written: number;
  rejected: number;
  unchanged: number;
  filtered: number;
  /** Sinks on a resumed run: records an earlier run of this lineage already wrote (neither read nor written now). */
  skipped: number;
  durationMs: number;
  counters: Record<string, number>;
}

export const newStats = (): StepStats => ({ read: 0, written: 0, rejected: 0, unchanged: 0, filtered: 0, skipped: 0, durationMs: 0, counters: {} });

export interface ContextDeps {
  pipeline: string;
  runId: string;
  /** The run's lineage. @default runId */
  lineage?: string;
  logger: Logger;
  signal: AbortSignal;
  retry: ConfigurableRetryService;
  limiters: Map<string, RateLimiter>;
  state: StepState;
  stateDir: string;
  runDir: string;
  dryRun: boolean;
  fresh: boolean;
  /** `etl run --reconcile`. @default false */
  reconcile?: boolean;
  /** Records per source batch (`settings.batchSize`). @default 5000 */
  batchSize?: number;
  stats: StepStats;
  addSecret(value: string): void;
  onProgress(step: string, update: ProgressUpdate): void;
}

/** Builds the `StepContext` a step's hooks receive. */
export function createStepContext(step: ResolvedStep, deps: ContextDeps): StepContext {
  const cache = join(deps.stateDir, 'cache', step.name);
  mkdirSync(cache, { recursive: true });
  const logger = deps.logger.child({ step: step.name });
  const count = (counter: string, by = 1): void => {
    deps.stats.counters[counter] = (deps.stats.counters[counter] ?? 0) + by;
  };
  const retry = deps.retry.with({
    ...step.retry,
    signal: deps.signal,
    onRetry: ({ attempt, delayMs, error }) => {
      count('retries');
      logger.warn(`retrying after a temporary failure (attempt ${attempt}, waiting ${delayMs} ms)`, { error });
    },
  });
  return {
    pipeline: deps.pipeline,
    step: step.name,
    runId: deps.runId,
    lineage: deps.lineage ?? deps.runId,
    logger,
    signal: deps.signal,
    retry,
    limiter: (name) => {
      const key = name ?? step.limiter;
      return key === undefined ? undefined : deps.limiters.get(key);
    },
    state: deps.state,
    dirs: { state: deps.stateDir, run: deps.runDir, cache },
    dryRun: deps.dryRun,
    fresh: deps.fresh,
    reconcile: deps.reconcile === true,
    batchSize: deps.batchSize ?? 5000,
    progress: (update) => deps.onProgress(step.name, update),
    hashSecret: (value) => hashSecret(projectStateDir(deps.stateDir), value),
    addSecret: deps.addSecret,
    count,
  };
}

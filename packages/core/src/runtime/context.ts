import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ResolvedStep } from '../pipeline/types.js';
import type { Logger, ProgressUpdate, RateLimiter, RateLimitSpec, StepContext, StepState } from '../plugins/types.js';
import type { ConfigurableRetryService } from '../services/retry.js';
import { PluginLoadError } from '../errors.js';
import { listenToHttpAnswers, type HttpAnswerListener } from '../services/http-answers.js';
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

export const newStats = (): StepStats => ({
  read: 0,
  written: 0,
  rejected: 0,
  unchanged: 0,
  filtered: 0,
  skipped: 0,
  durationMs: 0,
  counters: {},
});

/**
 * What the runtime decides only after hooks have run (a sink's destination, the source's input version): which
 * lineage the run continues and whether it is fresh. Contexts read it when a hook asks, so it may change until the
 * lineage is settled.
 */
export interface LineageBinding {
  lineage: string;
  fresh: boolean;
}

export interface ContextDeps {
  pipeline: string;
  runId: string;
  /** The run's lineage and whether it is fresh, read at each access. @default { lineage: runId, fresh } */
  binding?: LineageBinding;
  logger: Logger;
  signal: AbortSignal;
  retry: ConfigurableRetryService;
  limiters: Map<string, RateLimiter>;
  /** The step's state, or a function returning it once it is bound (sinks: to their destination). */
  state: StepState | (() => StepState);
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
  /** `ctx.hashSecret`; by default under the project folder's salt (a shared state store brings its own). */
  hashSecret?(value: string): string;
  onProgress(step: string, update: ProgressUpdate): void;
  /** Hears every answer of core's HTTP client made through this context (the run's observers). */
  onHttpAnswer?: HttpAnswerListener;
}

/** Where a step's own limiter (from its plugin's `rateLimit`) is kept among the run's limiters. */
export const defaultLimiterKey = (step: string): string => `step:${step}`;

/**
 * Adds a limiter for each step that names no `limiter:` but whose plugin declares a `rateLimit`, keyed by
 * `defaultLimiterKey`. `create` builds one from a spec (the runtime's keeps daily usage across runs).
 */
export function addDefaultLimiters<L>(
  steps: ResolvedStep[],
  limiters: Map<string, L>,
  create: (name: string, spec: RateLimitSpec) => L,
): void {
  for (const step of steps) {
    const declared = step.plugin.rateLimit;
    if (step.limiter !== undefined || declared === undefined) continue;
    const spec = typeof declared === 'function' ? declared(step.config) : declared;
    if (spec === undefined) continue;
    if (!(spec?.max > 0) || !(spec?.intervalMs > 0)) {
      throw new PluginLoadError(
        `Invalid plugin "${step.use}" (from ${step.from}) for step "${step.name}": \`rateLimit\` gave ${JSON.stringify(spec)}.`,
        {
          code: 'PLUGIN_INVALID',
          context: { step: step.name, plugin: step.use },
          suggestions: [
            '`rateLimit` is `{ max, intervalMs, maxConcurrent?, daily? }` (positive numbers) or a function of the config returning one.',
          ],
        },
      );
    }
    limiters.set(defaultLimiterKey(step.name), create(step.name, spec));
  }
}

/** Records per source batch when `settings.batchSize` does not say. */
export const DEFAULT_SOURCE_BATCH_SIZE = 5000;

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
  const binding = deps.binding ?? { lineage: deps.runId, fresh: deps.fresh };
  const state = deps.state;
  const ctx: StepContext = {
    pipeline: deps.pipeline,
    step: step.name,
    runId: deps.runId,
    get lineage() {
      return binding.lineage;
    },
    logger,
    signal: deps.signal,
    retry,
    limiter: (name) => deps.limiters.get(name ?? step.limiter ?? defaultLimiterKey(step.name)),
    get state() {
      return typeof state === 'function' ? state() : state;
    },
    dirs: { state: deps.stateDir, run: deps.runDir, cache },
    dryRun: deps.dryRun,
    get fresh() {
      return binding.fresh;
    },
    reconcile: deps.reconcile === true,
    batchSize: deps.batchSize ?? DEFAULT_SOURCE_BATCH_SIZE,
    progress: (update) => deps.onProgress(step.name, update),
    hashSecret: deps.hashSecret ?? ((value) => hashSecret(projectStateDir(deps.stateDir), value)),
    addSecret: deps.addSecret,
    count,
  };
  if (deps.onHttpAnswer) listenToHttpAnswers(ctx, deps.onHttpAnswer);
  return ctx;
}

import { hostname } from 'node:os';
/**
 * What one run holds from its start to its end: the run folder and log, secrets, the checkpoint store, limiters and
 * one context per step. `openRunScope` builds it once, the run's phases fill it, `closeRunScope` releases it.
 */
import { FatalError } from '../errors.js';
import type { LimiterSpec, ResolvedPipeline, ResolvedStep, RunOptions } from '../pipeline/types.js';
import type { Destination, RateLimiter, ReconcileReport, StepContext, StepState } from '../plugins/types.js';
import { openCheckpointStore, type CheckpointStore } from '../services/checkpoint.js';
import { createLogger, type RootLogger } from '../services/logger.js';
import {
  createRateLimiter,
  type DailyUsage,
  type ManagedRateLimiter,
  type RateLimiterOptions,
} from '../services/rate-limit.js';
import { createRedactor } from '../services/redact.js';
import { createRetryService, type ConfigurableRetryService } from '../services/retry.js';
import {
  createRejectsWriter,
  createRunFolder,
  pipelineStateDir,
  type RejectsWriter,
  type RunFolder,
} from '../services/run-history.js';
import { folderRunHistory, mergedRunHistory } from '../services/run-history-store.js';
import { createProgressTracker, type ProgressTracker } from '../services/run-progress.js';
import { hashSecret, hashWithSalt } from '../services/salt.js';
import { addDefaultLimiters, createStepContext, newStats, type LineageBinding, type StepStats } from './context.js';
import { createEventSink } from './events.js';
import { assertPluginShape } from './invoke.js';
import { bindObservers, progressObserver, stepCountsOf, type BoundObservers } from './observe.js';

/** The runtime's own namespace in the checkpoint store (`@` cannot start a step name). */
export const RUNTIME_NAMESPACE = '@runtime';

/** Where a sink's state lives once its destination is known. */
export interface SinkBinding {
  /** The checkpoint-store namespace of the step's state: `<step>@<destination id>`, or `<step>` without a destination. */
  namespace: string;
  destination?: { id: string; label: string; note?: string };
  /** This pipeline wrote to the destination before (an earlier run recorded it, or state for it exists). */
  known: boolean;
}

export interface RunScope {
  readonly pipeline: ResolvedPipeline;
  readonly options: RunOptions;
  readonly runId: string;
  readonly started: number;
  readonly now: () => number;
  readonly dryRun: boolean;
  readonly folder: RunFolder;
  readonly logger: RootLogger;
  readonly rejects: RejectsWriter;
  readonly events: ReturnType<typeof createEventSink>;
  /** The run's counters as readers of the run history see them while it runs (its folder, and a shared store). */
  readonly progress: ProgressTracker;
  /** The run's observers (`options.observers`), bound to this run. */
  readonly observe: BoundObservers;
  readonly signal: AbortSignal;
  /** This pipeline's state folder (`<stateDir>/pipelines/<name>`). */
  readonly stateDir: string;
  readonly source: ResolvedStep;
  readonly stats: Map<string, StepStats>;
  readonly limiters: Map<string, ManagedRateLimiter>;
  readonly contexts: Map<string, StepContext>;
  /** The lineage the contexts report; settled by the lineage phase. */
  readonly binding: LineageBinding;
  /** Per sink step, where its state lives (filled by the destinations phase). */
  readonly sinks: Map<string, SinkBinding>;
  /** Sink steps owed a `close()`: every sink whose `destination()` or `setup()` was called. */
  readonly owed: ResolvedStep[];
  readonly reconciled: Map<string, ReconcileReport>;
  /** Open (and locked) once `openRunState` succeeded; until then the pipeline's state folder is not ours. */
  store: CheckpointStore;
  stateReady: boolean;
  /** The source batch being distributed (tags transform state); set by the flow phase. */
  currentSeq: () => number;
  redact(text: string): string;
  /** Registers a value found at run time that must never be printed. */
  addSecret(value: string): void;
  hashSecret(value: string): string;
}

/** Creates the run folder and its log. Rejects only when the run folder cannot be created. */
export async function openRunScope(pipeline: ResolvedPipeline, options: RunOptions): Promise<RunScope> {
  const now = options.now ?? Date.now;
  const started = now();
  const folder = await createRunFolder(options.stateDir, pipeline.name, started);
  const runId = folder.runId;
  const secrets = new Set(pipeline.secrets.filter((s) => typeof s === 'string'));
  let redact = createRedactor(secrets);
  const logger = createLogger({
    format: 'json',
    level: 'debug',
    stream: null,
    file: folder.logFile,
    secrets: [...secrets],
    forward: options.logger,
    fields: { runId },
  });
  const addSecret = (value: string): void => {
    if (typeof value !== 'string' || secrets.has(value)) return;
    secrets.add(value);
    logger.addSecret(value);
    redact = createRedactor(secrets);
  };
  const progress = trackProgress(options, runId, logger);
  // With a shared state store, hashes of secrets (fingerprints, destination ids) use its salt, the same on every host.
  const salt = await options.stateStore?.salt();
  const scope = {
    pipeline,
    options,
    runId,
    started,
    now,
    dryRun: options.dryRun === true,
    folder,
    logger,
    rejects: createRejectsWriter(folder.rejectsFile, (text) => redact(text)),
    events: createEventSink(options.onEvent, now),
    progress,
    observe: bindObservers([...(options.observers ?? []), progressObserver(progress)], {
      runId,
      pipeline: pipeline.name,
      ...(pipeline.profile === undefined ? {} : { profile: pipeline.profile }),
    }),
    signal: options.signal ?? new AbortController().signal,
    stateDir: pipelineStateDir(options.stateDir, pipeline.name),
    stats: new Map(pipeline.steps.map((s) => [s.name, newStats()])),
    limiters: new Map(),
    contexts: new Map(),
    binding: { lineage: runId, fresh: options.fresh === true },
    sinks: new Map(),
    owed: [],
    reconciled: new Map(),
    stateReady: false,
    addSecret,
    currentSeq: () => 0,
    redact: (text: string) => redact(text),
    hashSecret: salt
      ? (value: string) => hashWithSalt(salt, value)
      : (value: string) => hashSecret(options.stateDir, value),
  } as Omit<RunScope, 'store' | 'source'> as RunScope;
  return scope;
}

/**
 * Progress goes where the run is recorded: its folder, and the shared store's history when there is one. It keeps
 * the real clock, as limiters do: it is for people watching, and an injected test clock may stand still.
 */
function trackProgress(options: RunOptions, runId: string, logger: RootLogger): ProgressTracker {
  const local = folderRunHistory(options.stateDir);
  const history = options.stateStore ? mergedRunHistory(local, options.stateStore.runs) : local;
  let warned = false;
  return createProgressTracker((progress) => history.progress(runId, progress), {
    onError: (error) => {
      if (warned) return;
      warned = true;
      logger.warn(`could not record the run's progress (the run goes on): ${(error as Error).message}`);
    },
  });
}

/** Checks the plugins' shapes, opens (and locks) the pipeline's checkpoint store, and builds every step's context. */
export async function openRunState(scope: RunScope): Promise<void> {
  const { pipeline } = scope;
  for (const step of pipeline.steps) assertPluginShape(step);
  (scope as { source: ResolvedStep }).source = soleSource(pipeline);
  const shared = scope.options.stateStore;
  scope.store = await openCheckpointStore(
    scope.stateDir,
    shared ? { shared: { store: shared, pipeline: pipeline.name } } : {},
  );
  scope.stateReady = true;
  // With the lock held: a run that could not take it is not listed as one of the pipeline's runs on every host.
  await shared?.runs.start({
    runId: scope.runId,
    pipeline: pipeline.name,
    ...(pipeline.profile === undefined ? {} : { profile: pipeline.profile }),
    host: hostname(),
    startedAt: new Date(scope.started).toISOString(),
    dir: scope.folder.dir,
  });
  openLimiters(scope);
  // Limiters and retries wait on real timers, so they keep the real clock even when `options.now` is injected.
  const retry = createRetryService();
  for (const step of pipeline.steps) scope.contexts.set(step.name, contextFor(scope, step, retry, scope.addSecret));
}

function soleSource(pipeline: ResolvedPipeline): ResolvedStep {
  const sources = pipeline.steps.filter((s) => s.kind === 'source');
  if (sources.length !== 1) {
    throw new FatalError(`Pipeline "${pipeline.name}" must have exactly one source step.`, {
      code: 'PIPELINE_SHAPE',
      suggestions: ['Validate the pipeline with `etl validate`; exactly one step may use a source plugin.'],
    });
  }
  return sources[0];
}

/** Daily budgets outlive a run: their usage is runtime state, committed with the checkpoints. */
function openLimiters(scope: RunScope): void {
  const runtimeState = scope.store.state(RUNTIME_NAMESPACE);
  for (const [name, spec] of Object.entries(scope.pipeline.limiters ?? {})) {
    const key = `limiter:${name}:daily`;
    const dailyUsage = spec.daily ? (runtimeState.get(key) as DailyUsage | undefined) : undefined;
    const watch = watchLimiter(scope, name, spec.daily, dailyUsage);
    scope.limiters.set(
      name,
      createRateLimiter(name, spec, {
        dailyUsage,
        onDailySpend: (usage) => {
          runtimeState.set(key, { ...usage });
          watch.onDailySpend(usage);
        },
        onWait: watch.onWait,
        onDailyRemaining: watch.onDailyRemaining,
        shared: sharedStoreOf(scope, name, spec),
      }),
    );
  }
  // A plugin's declared default serves the step alone (no daily usage kept: a shared `limiters:` entry does that).
  addDefaultLimiters(scope.pipeline.steps, scope.limiters, (name, spec) =>
    createRateLimiter(name, spec, { margin: spec.margin, ...watchLimiter(scope, name, spec.daily) }),
  );
}

/**
 * Tells the run's observers how long requests wait in a limiter and, for a daily budget, what is left of it: the lower
 * of the limiter's own count and what the remote last reported (other clients of the account spend it too).
 */
function watchLimiter(scope: RunScope, limiter: string, daily: number | undefined, usage?: DailyUsage) {
  const { observe } = scope;
  let own = daily ? daily - (usage && usage.resetsAt > Date.now() ? usage.used : 0) : 0;
  let remote = Number.POSITIVE_INFINITY;
  const report = (): void => {
    if (daily) observe.dailyBudget({ limiter, daily, remaining: Math.max(0, Math.min(own, remote)) });
  };
  if (observe.active) report();
  return {
    onWait: (ms: number) => observe.limiterWait({ limiter, seconds: ms / 1000 }),
    onDailySpend: (spent: DailyUsage) => {
      own = (daily ?? 0) - spent.used;
      report();
    },
    onDailyRemaining: (remaining: number) => {
      remote = remaining;
      report();
    },
  };
}

/** The shared store a limiter's `store:` names (none for `memory`); a store the caller did not open is a fatal error. */
function sharedStoreOf(scope: RunScope, name: string, spec: LimiterSpec): RateLimiterOptions['shared'] {
  if (!spec.store || spec.store === 'memory') return undefined;
  const store = scope.options.limiterStores?.[spec.store];
  if (!store)
    throw new FatalError(`Limiter "${name}" keeps its budget in "${spec.store}", but no such store was opened.`, {
      code: 'LIMITER_STORE_MISSING',
      context: { limiter: name, store: spec.store },
      suggestions: [
        'Run it with the etl CLI (it connects to Redis at REDIS_URL), or pass `limiterStores` to runPipeline.',
      ],
    });
  return { store, key: spec.key ?? name };
}

function contextFor(
  scope: RunScope,
  step: ResolvedStep,
  retry: ConfigurableRetryService,
  addSecret: (value: string) => void,
): StepContext {
  const store = scope.store;
  // Transform state is tagged with the source batch it belongs to, so it commits only with that batch's records.
  const tag = step.kind === 'transform' ? () => scope.currentSeq() : () => 0;
  const stepState = store.state(step.name, tag);
  const state: StepState | (() => StepState) =
    step.kind === 'sink'
      ? () => {
          const bound = scope.sinks.get(step.name);
          if (!bound)
            throw new FatalError(
              `Step "${step.name}" used ctx.state in destination(): its state is bound only after that hook.`,
              { code: 'PLUGIN_INVALID' },
            );
          return store.state(bound.namespace);
        }
      : stepState;
  return createStepContext(step, {
    pipeline: scope.pipeline.name,
    runId: scope.runId,
    binding: scope.binding,
    logger: scope.logger,
    signal: scope.signal,
    retry,
    limiters: scope.limiters as Map<string, RateLimiter>,
    state,
    stateDir: scope.stateDir,
    runDir: scope.folder.dir,
    dryRun: scope.dryRun,
    fresh: scope.binding.fresh,
    reconcile: scope.options.reconcile === true,
    ...(scope.pipeline.batchSize === undefined ? {} : { batchSize: scope.pipeline.batchSize }),
    stats: scope.stats.get(step.name)!,
    addSecret,
    hashSecret: scope.hashSecret,
    onProgress: (name, update) => scope.events.progress(name, update),
    onHttpAnswer: ({ status, seconds }) =>
      scope.observe.httpAnswer({ step: step.name, plugin: step.plugin.name, status, seconds }),
  });
}

/** Hands every step's counters so far to the run's observers. */
export function reportCounts(scope: RunScope): void {
  if (scope.observe.active) scope.observe.stepCounts(stepCountsOf(scope.pipeline.steps, scope.stats));
}

/** A `Destination` as a sink returned it, checked: the id must be a non-empty printable string. */
export function checkedDestination(step: ResolvedStep, value: unknown): NonNullable<SinkBinding['destination']> {
  const d = value as Partial<Destination> | undefined;
  const id = d && typeof d === 'object' ? d.id : undefined;
  if (typeof id !== 'string' || id.trim() === '' || id.length > 1000 || /[\u0000-\u001f\u007f]/.test(id)) {
    throw new FatalError(
      `Sink "${step.use}" of step "${step.name}" named no usable destination (destination() returned ${JSON.stringify(value)?.slice(0, 200)}).`,
      {
        code: 'PLUGIN_INVALID',
        context: { step: step.name, plugin: step.use },
        suggestions: [
          'destination(ctx, config) returns `{ id, label? }` with a stable, printable id that holds no secret.',
        ],
      },
    );
  }
  return {
    id,
    label: typeof d!.label === 'string' && d!.label ? d!.label : id,
    ...(typeof d!.note === 'string' ? { note: d!.note } : {}),
  };
}

/**
 * The services hooks get outside a run (`etl check`, `etl migrate`), built once for all steps and closed once: the same
 * context a run gives, with the pipeline's limiters and a temporary run folder, and either the pipeline's state read
 * from its journal (read-only: a live run may be appending to it) or an empty in-memory state.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedPipeline, ResolvedStep, RunOptions } from '../pipeline/types.js';
import type { RateLimiter, StepContext } from '../plugins/types.js';
import { openCheckpointStore } from '../services/checkpoint.js';
import { createLogger, type RootLogger } from '../services/logger.js';
import { createRateLimiter, type ManagedRateLimiter } from '../services/rate-limit.js';
import { createRetryService } from '../services/retry.js';
import { hashWithSalt } from '../services/salt.js';
import { newRunId, pipelineStateDir } from '../services/run-history.js';
import { addDefaultLimiters, createStepContext, type StepStats } from './context.js';

export interface StepServices {
  readonly logger: RootLogger;
  /** A context for one hook call of `step`, counting into `stats`. */
  context(step: ResolvedStep, stats: StepStats): StepContext;
  close(): Promise<void>;
}

export interface StepServicesOptions extends Pick<RunOptions, 'stateDir' | 'logger' | 'signal' | 'stateStore'> {
  /** What the hooks are for: `check` reads the pipeline's state and runs as a dry run; `migrate` writes schemas. */
  purpose: 'check' | 'migrate';
}

export async function openStepServices(
  pipeline: ResolvedPipeline,
  options: StepServicesOptions,
): Promise<StepServices> {
  const runId = newRunId();
  const runDir = mkdtempSync(join(tmpdir(), `etl-${options.purpose}-${pipeline.name}-`));
  const stateDir = pipelineStateDir(options.stateDir, pipeline.name);
  const logger = createLogger({ stream: null, secrets: pipeline.secrets, forward: options.logger, fields: { runId } });
  // `check` sees what runs left (a ledger's size, a limiter's daily use); migrations keep no step state.
  const check = options.purpose === 'check';
  const shared = check && options.stateStore ? { shared: { store: options.stateStore, pipeline: pipeline.name } } : {};
  const store = await openCheckpointStore(check ? stateDir : undefined, { readOnly: true, ...shared });
  const limiters = new Map<string, ManagedRateLimiter>();
  for (const [name, spec] of Object.entries(pipeline.limiters ?? {})) limiters.set(name, createRateLimiter(name, spec));
  addDefaultLimiters(pipeline.steps, limiters, (name, spec) => createRateLimiter(name, spec, { margin: spec.margin }));
  const retry = createRetryService();
  const signal = options.signal ?? new AbortController().signal;
  const salt = check && options.stateStore ? await options.stateStore.salt() : undefined;
  return {
    logger,
    context: (step, stats) =>
      createStepContext(step, {
        pipeline: pipeline.name,
        runId,
        logger,
        signal,
        retry,
        limiters: limiters as Map<string, RateLimiter>,
        state: store.state(step.name),
        stateDir,
        runDir,
        dryRun: options.purpose === 'check',
        fresh: false,
        ...(pipeline.batchSize === undefined ? {} : { batchSize: pipeline.batchSize }),
        stats,
        addSecret: (v) => logger.addSecret(v),
        ...(salt ? { hashSecret: (value: string) => hashWithSalt(salt, value) } : {}),
        onProgress: () => undefined,
      }),
    async close() {
      for (const limiter of limiters.values()) await limiter.stop();
      await store.close();
      await logger.close();
    },
  };
}

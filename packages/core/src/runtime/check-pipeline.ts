import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtlError } from '../errors.js';
import type { ResolvedPipeline, RunOptions } from '../pipeline/types.js';
import type { RateLimiter } from '../plugins/types.js';
import { openCheckpointStore } from '../services/checkpoint.js';
import { createLogger } from '../services/logger.js';
import { redactSecrets } from '../services/redact.js';
import { createRateLimiter, type ManagedRateLimiter } from '../services/rate-limit.js';
import { createRetryService } from '../services/retry.js';
import { newRunId, pipelineStateDir } from '../services/run-history.js';
import { addDefaultLimiters, createStepContext, newStats } from './context.js';
import { assertPluginShape, invoke } from './invoke.js';

/** What `etl check` prints per step. `ok` is true for steps whose plugin has no `check()` (`skipped`). */
export interface StepCheckResult {
  step: string;
  plugin: string;
  ok: boolean;
  skipped: boolean;
  message: string;
  durationMs: number;
  details?: Record<string, unknown>;
  /** When check() threw: the error's code and suggestions. */
  error?: { code: string; exitCode: number; suggestions: string[] };
}

/**
 * Runs every step's `check()` (connections, credentials) one after the other, without reading or writing data, and
 * returns one result per step; it never throws for a failing check. Steps get a context with the pipeline's state
 * (read-only: nothing is committed) and a temporary run folder.
 */
export async function checkPipeline(pipeline: ResolvedPipeline, options: Pick<RunOptions, 'stateDir' | 'logger' | 'signal'>): Promise<StepCheckResult[]> {
  const runId = newRunId();
  const runDir = mkdtempSync(join(tmpdir(), `etl-check-${pipeline.name}-`));
  const stateDir = pipelineStateDir(options.stateDir, pipeline.name);
  const logger = createLogger({ stream: null, secrets: pipeline.secrets, forward: options.logger, fields: { runId } });
  // Read-only: a run may be appending to the journal right now; its torn tail is a live append, not damage to repair.
  const store = await openCheckpointStore(stateDir, { readOnly: true });
  const limiters = new Map<string, ManagedRateLimiter>();
  for (const [name, spec] of Object.entries(pipeline.limiters ?? {})) limiters.set(name, createRateLimiter(name, spec));
  addDefaultLimiters(pipeline.steps, limiters, (name, spec) => createRateLimiter(name, spec, { margin: spec.margin }));
  const retry = createRetryService();
  const signal = options.signal ?? new AbortController().signal;
  const results: StepCheckResult[] = [];
  try {
    for (const step of pipeline.steps) {
      const stats = newStats();
      const base = { step: step.name, plugin: step.use };
      try {
        assertPluginShape(step);
        if (!step.plugin.check) {
          results.push({ ...base, ok: true, skipped: true, message: 'no check for this plugin', durationMs: 0 });
          continue;
        }
        const ctx = createStepContext(step, {
          pipeline: pipeline.name,
          runId,
          logger,
          signal,
          retry,
          limiters: limiters as Map<string, RateLimiter>,
          state: store.state(step.name),
          stateDir,
          runDir,
          dryRun: true,
          fresh: false,
          ...(pipeline.batchSize === undefined ? {} : { batchSize: pipeline.batchSize }),
          stats,
          addSecret: (v) => logger.addSecret(v),
          onProgress: () => undefined,
        });
        const result = await invoke({ ...base, hook: 'check' }, stats, () => step.plugin.check!(ctx, step.config));
        results.push({ ...base, ok: result.ok === true, skipped: false, message: redactSecrets(String(result.message ?? ''), pipeline.secrets), details: result.details, durationMs: Math.round(stats.durationMs) });
      } catch (error) {
        const e = error as EtlError;
        results.push({
          ...base,
          ok: false,
          skipped: false,
          message: redactSecrets(String(e.message), pipeline.secrets),
          durationMs: Math.round(stats.durationMs),
          error: { code: e.code ?? 'INTERNAL', exitCode: e.exitCode ?? 1, suggestions: e.suggestions ?? [] },
        });
      }
    }
  } finally {
    for (const limiter of limiters.values()) await limiter.stop();
    await store.close();
    await logger.close();
  }
  return results;
}

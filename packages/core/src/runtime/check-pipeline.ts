import type { EtlError } from '../errors.js';
import type { ResolvedPipeline, RunOptions } from '../pipeline/types.js';
import { redactSecrets } from '../services/redact.js';
import { newStats } from './context.js';
import { assertPluginShape, invoke } from './invoke.js';
import { openStepServices } from './step-services.js';

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
export async function checkPipeline(
  pipeline: ResolvedPipeline,
  options: Pick<RunOptions, 'stateDir' | 'logger' | 'signal' | 'stateStore'>,
): Promise<StepCheckResult[]> {
  const services = await openStepServices(pipeline, { ...options, purpose: 'check' });
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
        const ctx = services.context(step, stats);
        const result = await invoke({ ...base, hook: 'check' }, stats, () => step.plugin.check!(ctx, step.config));
        results.push({
          ...base,
          ok: result.ok === true,
          skipped: false,
          message: redactSecrets(String(result.message ?? ''), pipeline.secrets),
          details: result.details,
          durationMs: Math.round(stats.durationMs),
        });
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
    await services.close();
  }
  return results;
}

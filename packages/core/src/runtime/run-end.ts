/**
 * The run's end: every opened sink is closed with the outcome, the store and limiters are released, and the summary
 * is built, recorded (up-to-date record, `summary.json`) and returned.
 */
import { EtlError, ExitCode, InterruptedError } from '../errors.js';
import type { ResolvedStep, RunSummary, StepSummary } from '../pipeline/types.js';
import type { SinkPlugin } from '../plugins/types.js';
import type { StepStats } from './context.js';
import { invoke } from './invoke.js';
import { checkInvariants } from './invariants.js';
import { stepTotals } from './observe.js';
import { reportCounts, type RunScope } from './run-scope.js';
import type { RunStart } from './start.js';
import { clearUpToDate, writeUpToDate } from './up-to-date.js';
import { writeRunSummary } from '../services/run-history.js';

/** Closes what the run opened, whatever happened; returns the run's failure (the first one, or a close() failure). */
export async function closeRunScope(scope: RunScope, failure: unknown): Promise<unknown> {
  const { signal, logger } = scope;
  const outcome: RunSummary['status'] =
    failure && !signal.aborted ? 'failed' : signal.aborted ? 'interrupted' : 'succeeded';
  for (const step of scope.owed) {
    const plugin = step.plugin as SinkPlugin;
    if (!plugin.close) continue;
    try {
      await invoke({ step: step.name, plugin: step.use, hook: 'close' }, scope.stats.get(step.name)!, () =>
        plugin.close!(scope.contexts.get(step.name)!, step.config, outcome),
      );
    } catch (error) {
      logger.error(`close() failed: ${(error as Error).message}`, { step: step.name, error });
      failure ??= error;
    }
  }
  for (const limiter of scope.limiters.values()) await limiter.stop();
  if (scope.stateReady) {
    await scope.store.close().catch((error: unknown) => {
      failure ??= error;
    });
  }
  return failure;
}

export async function summarize(scope: RunScope, start: RunStart | undefined, failure: unknown): Promise<RunSummary> {
  const { pipeline, signal, logger, stats } = scope;
  const status: RunSummary['status'] = signal.aborted ? 'interrupted' : failure ? 'failed' : 'succeeded';
  if (failure) logger.error(errorLine(failure), { error: failure, cause: (failure as Error)?.cause });
  const steps = pipeline.steps.map((step) => stepSummary(scope, step, stats.get(step.name)!));
  // Dry-run sinks report what they would do, not what they wrote, so only the other steps must balance then.
  if (!failure) checkInvariants(scope.dryRun ? steps.filter((s) => s.kind !== 'sink') : steps, stats, logger);
  scope.events.batches(stats, true);
  reportCounts(scope);
  await scope.progress.flush();
  const finished = scope.now();
  const summary: RunSummary = {
    runId: scope.runId,
    pipeline: pipeline.name,
    ...(pipeline.profile === undefined ? {} : { profile: pipeline.profile }),
    status,
    resumed: start?.resumed === true,
    ...(scope.stateReady ? { lineage: scope.binding.lineage, fresh: scope.binding.fresh } : {}),
    ...(start?.restarted ? { restarted: start.restarted } : {}),
    dryRun: scope.dryRun,
    upToDate: start?.upToDate === true,
    startedAt: new Date(scope.started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - scope.started,
    steps,
    runDir: scope.folder.dir,
    rejectsFile: scope.folder.rejectsFile,
    logFile: scope.folder.logFile,
  };
  if (status === 'interrupted') {
    const err = new InterruptedError(signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
    summary.error = { code: err.code, message: err.message, exitCode: err.exitCode, suggestions: err.suggestions };
  } else if (failure) {
    summary.error = errorSummary(failure, scope.redact);
  }
  if (!scope.dryRun && start && !start.upToDate && scope.stateReady) await recordOutcome(scope, start, summary);
  logger.info(`run ${status}`, { durationMs: summary.durationMs });
  await scope.rejects.close();
  await logger.close();
  const redacted = scope.redact(JSON.stringify(summary, null, 2));
  await writeRunSummary(scope.folder, redacted);
  await recordInSharedHistory(scope, summary.runId, redacted);
  scope.events.send({ type: 'run-end', summary });
  scope.observe.runEnd(summary);
  return summary;
}

/** Only a succeeded run vouches for its destinations; any other end leaves them in a state the next run must redo. */
async function recordOutcome(scope: RunScope, start: RunStart, summary: RunSummary): Promise<void> {
  const record =
    summary.status === 'succeeded' && start.mark
      ? { runId: scope.runId, ...start.mark, finishedAt: summary.finishedAt }
      : undefined;
  await (record ? writeUpToDate(scope.stateDir, record) : clearUpToDate(scope.stateDir)).catch((error: unknown) =>
    scope.logger.warn(`could not record the run for up-to-date checks: ${(error as Error).message}`),
  );
}

function stepSummary(scope: RunScope, step: ResolvedStep, s: StepStats): StepSummary {
  const counters = { ...s.counters };
  if (s.skipped > 0) counters.skipped = s.skipped;
  const bound = scope.sinks.get(step.name);
  const reconciled = scope.reconciled.get(step.name);
  return {
    ...stepTotals(step, s),
    durationMs: Math.round(s.durationMs),
    counters,
    ...(bound?.destination ? { destination: { ...bound.destination, known: bound.known } } : {}),
    ...(reconciled ? { reconcile: reconciled } : {}),
  };
}

function errorLine(error: unknown): string {
  if (error instanceof EtlError) {
    const where = typeof error.context.step === 'string' ? ` (step "${error.context.step}")` : '';
    return `${error.message}${where}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function errorSummary(error: unknown, redact: (text: string) => string): NonNullable<RunSummary['error']> {
  if (error instanceof EtlError) {
    return {
      code: error.code,
      message: redact(errorLine(error)),
      exitCode: error.exitCode,
      suggestions: error.suggestions.map(redact),
    };
  }
  return {
    code: 'INTERNAL',
    message: redact(errorLine(error)),
    exitCode: ExitCode.internal,
    suggestions: ['This is a bug in etl; please report it with the run log.'],
  };
}

/** The shared run history learns how the run ended; the run's own outcome does not depend on it (the folder has it). */
async function recordInSharedHistory(scope: RunScope, runId: string, redacted: string): Promise<void> {
  const shared = scope.options.stateStore;
  if (!shared) return;
  try {
    await shared.runs.finish(runId, JSON.parse(redacted) as RunSummary);
  } catch (error) {
    scope.options.logger?.warn(`could not record the run in ${shared.label}: ${(error as Error).message}`);
  }
}

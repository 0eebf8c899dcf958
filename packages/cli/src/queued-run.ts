/** One run a worker took from the queue, done as `etl run` does it: same project, pipeline loading and exit codes. */
import { createLogger, EtlError, ExitCode, runPipeline, type RunObserver, type RunSummary } from '@etl/core';
import type { RunJobData, RunJobResult } from '@etl/queue';
import { cliPackageDir } from './base-command.js';
import { exitCodeFor } from './exit-code.js';
import { openLimiterStores } from './limiter-stores.js';
import { openStateStore } from './state-store.js';
import { loadRunnablePipeline } from './pipeline.js';
import { redact } from './secrets.js';

export interface QueuedRunOptions {
  stateDir: string;
  /** A shared state store (`ETL_STATE_URL` or the project's `stateUrl`), else the embedded one in `stateDir`. */
  stateUrl?: string;
  logFormat: 'pretty' | 'json';
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** The worker's metrics, when it serves them. */
  observers?: readonly RunObserver[];
}

/** Never rejects: a pipeline that does not load ends the job "not-started", with the exit code `etl run` gives. */
export async function runQueued(
  data: RunJobData,
  signal: AbortSignal,
  jobId: string,
  options: QueuedRunOptions,
): Promise<RunJobResult & { code?: string }> {
  try {
    const { pipeline } = await loadRunnablePipeline(data.pipeline, {
      profile: data.profile,
      sets: data.sets,
      extraSearchPaths: [cliPackageDir],
    });
    const logger = createLogger({
      format: options.logFormat,
      level: options.logLevel,
      stream: process.stderr,
      secrets: pipeline.secrets,
      fields: { job: jobId },
    });
    const limiters = await openLimiterStores(pipeline);
    const stateStore = await openStateStore(options.stateUrl).catch(async (error: unknown) => {
      await limiters.close();
      throw error;
    });
    let summary: RunSummary;
    try {
      summary = await runPipeline(pipeline, {
        stateDir: options.stateDir,
        stateStore,
        logger,
        signal,
        limiterStores: limiters.stores,
        observers: options.observers,
      });
    } finally {
      await limiters.close();
      await stateStore?.close();
      await logger.flush?.();
      await logger.close?.();
    }
    return {
      pipeline: summary.pipeline,
      runId: summary.runId,
      status: summary.status,
      ...(summary.upToDate ? { upToDate: true } : {}),
      exitCode: exitCodeFor(summary, signal.aborted ? ExitCode.terminated : undefined, false),
      ...(summary.error ? { message: redact(summary.error.message), code: summary.error.code } : {}),
    };
  } catch (error) {
    const known = error instanceof EtlError;
    return {
      pipeline: data.pipeline,
      status: 'not-started',
      exitCode: known ? error.exitCode : ExitCode.internal,
      message: redact((error as Error).message),
      ...(known ? { code: error.code } : {}),
    };
  }
}

/** A run's exit code, the same for `etl run` and a run a worker took from the queue. */
import { ExitCode, type RunSummary } from '@etl/core';

export const rejectedCount = (summary: RunSummary) => summary.steps.reduce((n, s) => n + s.rejected, 0);

/** 0 succeeded; 130/143 interrupted; the error's code when failed; 8 with --fail-on-rejects and any reject. */
export function exitCodeFor(summary: RunSummary, signalCode: number | undefined, failOnRejects: boolean): number {
  if (summary.status === 'interrupted') return signalCode ?? ExitCode.interrupted;
  if (summary.status === 'failed') return summary.error?.exitCode ?? ExitCode.fatal;
  if (failOnRejects && rejectedCount(summary) > 0) return ExitCode.rejects;
  return ExitCode.ok;
}

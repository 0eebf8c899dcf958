import { FatalError } from '../errors.js';
import type { ResolvedStep } from '../pipeline/types.js';
import type { WriteResult } from '../plugins/types.js';
import type { RejectsWriter } from '../services/run-history.js';
import type { StepStats } from './context.js';
import { describeValue as describe } from './invoke.js';

/**
 * Checks a sink's `WriteResult` (every record written, unchanged, skipped or rejected: anything else would lose records
 * silently) and adds it to the step's counters and the rejects file.
 */
export function accountWrite(
  step: ResolvedStep,
  stats: StepStats,
  result: WriteResult,
  n: number,
  dryRun: boolean,
  rejectsFile: RejectsWriter,
): void {
  if (!result || typeof result !== 'object' || typeof result.written !== 'number') {
    throw new FatalError(`Sink "${step.use}" of step "${step.name}" returned ${describe(result)} from write().`, {
      code: 'SINK_RESULT_INVALID',
      context: { step: step.name, plugin: step.use },
      suggestions: ['write() resolves to `{ written, unchanged?, rejects?, details? }`; fix the plugin.'],
    });
  }
  const unchanged = result.unchanged ?? 0;
  const skipped = result.skipped ?? 0;
  const rejects = Array.isArray(result.rejects) ? result.rejects : [];
  const accounted = result.written + unchanged + skipped + rejects.length;
  if (!dryRun && accounted !== n) {
    throw new FatalError(
      `Sink "${step.use}" of step "${step.name}" accounted for ${accounted} of ${n} records in one write (written ` +
        `${result.written}, unchanged ${unchanged}, skipped ${skipped}, rejected ${rejects.length}); records would be lost silently.`,
      {
        code: 'SINK_ACCOUNTING',
        context: { step: step.name, plugin: step.use },
        suggestions: [
          'Every record given to write() must be counted as written, unchanged, skipped or rejected; fix the plugin.',
        ],
      },
    );
  }
  stats.written += result.written;
  stats.unchanged += unchanged;
  stats.filtered += skipped;
  stats.rejected += rejects.length;
  for (const r of rejects) rejectsFile.write(step.name, r);
  if (result.details) {
    for (const [key, value] of Object.entries(result.details)) {
      if (typeof value === 'number') stats.counters[key] = (stats.counters[key] ?? 0) + value;
    }
  }
}

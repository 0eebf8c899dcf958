import type { StepSummary } from '../pipeline/types.js';
import type { Logger } from '../plugins/types.js';
import type { StepStats } from './context.js';

/**
 * Checks, per step, that every record read is accounted for: read = written (or passed on) + rejected + unchanged +
 * filtered. A broken invariant means records vanished; it is logged as an error (the run's data may be incomplete).
 * Returns the steps that broke it.
 */
export function checkInvariants(steps: StepSummary[], stats: Map<string, StepStats>, logger: Logger): string[] {
  const broken: string[] = [];
  for (const s of steps) {
    const accounted = s.written + s.rejected + s.unchanged + s.filtered;
    if (accounted !== s.read) {
      broken.push(s.step);
      logger.error(
        `records unaccounted for in step "${s.step}": read ${s.read} but written ${s.written} + rejected ${s.rejected} + ` +
          `unchanged ${s.unchanged} + filtered ${s.filtered} = ${accounted}`,
        { step: s.step, skipped: stats.get(s.step)?.skipped ?? 0 },
      );
    }
  }
  return broken;
}

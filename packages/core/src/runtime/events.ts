import type { RunEvent, RunOptions } from '../pipeline/types.js';
import type { ProgressUpdate } from '../plugins/types.js';
import type { StepStats } from './context.js';

/** How often progress events may fire per kind (and per step for plugin progress). */
const THROTTLE_MS = 250;

/** Sends `onEvent` progress a few times a second at most; lifecycle events always go out. Listener errors are ignored. */
export function createEventSink(onEvent: RunOptions['onEvent'], now: () => number) {
  const last = new Map<string, number>();
  const send = (event: RunEvent): void => {
    if (!onEvent) return;
    try {
      onEvent(event);
    } catch {
      // A broken progress display must not break the run.
    }
  };
  const due = (key: string, force: boolean): boolean => {
    const t = now();
    if (!force && t - (last.get(key) ?? -Infinity) < THROTTLE_MS) return false;
    last.set(key, t);
    return true;
  };
  return {
    send,
    /** Step counters, throttled unless `force`. */
    batches(stats: Map<string, StepStats>, force = false): void {
      if (!onEvent || !due('batch', force)) return;
      for (const [step, s] of stats)
        send({ type: 'batch', step, read: s.read, written: s.written, rejected: s.rejected });
    },
    progress(step: string, update: ProgressUpdate): void {
      const final = update.total !== undefined && update.done === update.total;
      if (!onEvent || !due(`progress:${step}`, final)) return;
      send({
        type: 'step-progress',
        step,
        phase: update.phase,
        done: update.done,
        total: update.total,
        unit: update.unit,
      });
    },
  };
}

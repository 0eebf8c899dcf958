/** Calls a run's observers (`RunOptions.observers`) with the run filled in, ignoring any that throw. */
import type { ObservedRun, ResolvedStep, RunObserver, StepCounts, StepTotals } from '../pipeline/types.js';
import type { ProgressTracker } from '../services/run-progress.js';
import type { StepStats } from './context.js';

type Events = Required<RunObserver>;
type Rest<F> = F extends (run: ObservedRun, ...rest: infer A) => void ? A : never;

/** Each observer event without its `run` argument. */
export type BoundObservers = { readonly [K in keyof Events]: (...args: Rest<Events[K]>) => void } & {
  /** At least one observer listens: callers skip building what nobody reads. */
  readonly active: boolean;
};

export function bindObservers(observers: readonly RunObserver[] | undefined, run: ObservedRun): BoundObservers {
  const list = observers ?? [];
  const event =
    <K extends keyof Events>(name: K) =>
    (...args: Rest<Events[K]>): void => {
      for (const observer of list) {
        const listener = observer[name] as ((run: ObservedRun, ...rest: unknown[]) => void) | undefined;
        if (!listener) continue;
        try {
          listener.call(observer, run, ...args);
        } catch {
          // An observer that throws must not break the run.
        }
      }
    };
  return {
    active: list.length > 0,
    runStart: event('runStart'),
    stepCounts: event('stepCounts'),
    sourceBatch: event('sourceBatch'),
    sinkWrite: event('sinkWrite'),
    httpAnswer: event('httpAnswer'),
    limiterWait: event('limiterWait'),
    dailyBudget: event('dailyBudget'),
    runEnd: event('runEnd'),
  };
}

/** A copy of every step's counters, in the pipeline's order. */
export function stepCountsOf(steps: readonly ResolvedStep[], stats: ReadonlyMap<string, StepStats>): StepCounts[] {
  return steps.map((step) => {
    const s = stats.get(step.name)!;
    return { ...stepTotals(step, s), skipped: s.skipped, counters: { ...s.counters } };
  });
}

/** A step's record counts, as its summary line and its observers see them. */
export function stepTotals(step: ResolvedStep, s: StepStats): StepTotals {
  const { read, written, rejected, unchanged, filtered } = s;
  return { step: step.name, kind: step.kind, plugin: step.plugin.name, read, written, rejected, unchanged, filtered };
}

/** The run's observer that reports its progress: the history sees the same counts as every other observer. */
export function progressObserver(tracker: ProgressTracker): RunObserver {
  return {
    stepCounts(_run, steps) {
      for (const counts of steps) tracker.update(counts.step, counts);
    },
  };
}

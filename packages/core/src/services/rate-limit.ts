import Bottleneck from 'bottleneck';
import { RetriesExhaustedError } from '../errors.js';
import type { LimiterSpec } from '../pipeline/types.js';
import type { RateLimiter } from '../plugins/types.js';

export interface RateLimiterOptions {
  /** Clock in ms. @default Date.now */
  now?(): number;
  /**
   * Fraction of the interval kept free as a safety margin, so requests that reach the remote a little late or early
   * still fit its rolling window. @default 0.03 (97% of the allowed rate)
   */
  margin?: number;
  /** Daily usage carried over from earlier runs (so a resumed run does not get a fresh budget the same day). */
  dailyUsage?: DailyUsage;
  /** Called after each spend of the daily budget, e.g. to persist it with the next checkpoint. */
  onDailySpend?(usage: DailyUsage): void;
}

/** How much of a daily budget is spent, and when (epoch ms, UTC midnight) that count resets. */
export interface DailyUsage {
  used: number;
  resetsAt: number;
}

/** A `RateLimiter` that can be stopped (drops queued work) at the end of a run. */
export interface ManagedRateLimiter extends RateLimiter {
  /** Requests started so far (weighted). */
  readonly started: number;
  stop(): Promise<void>;
}

const startOfNextUtcDay = (t: number): number => {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
};

/**
 * A shared limiter: at most `max` requests start in any rolling window of `intervalMs` (as remotes such as HubSpot
 * count them), at most `maxConcurrent` in flight, and at most `daily` per UTC day.
 *
 * Bottleneck's reservoir refresh is a fixed window (a burst at the end of one window plus one at the start of the next
 * breaks a rolling limit), so Bottleneck only queues by priority and caps concurrency here; the pacing is a rolling
 * log of start times checked against a window slightly longer than `intervalMs`, plus an even spacing of
 * `intervalMs / max` so a long queue drains smoothly instead of in bursts.
 */
export function createRateLimiter(name: string, spec: LimiterSpec, options: RateLimiterOptions = {}): ManagedRateLimiter {
  const now = options.now ?? Date.now;
  const max = Math.max(1, Math.floor(spec.max));
  const intervalMs = Math.max(1, spec.intervalMs);
  const maxConcurrent = Math.max(1, spec.maxConcurrent ?? 10);
  const margin = options.margin ?? 0.03;
  const windowMs = intervalMs * (1 + margin);
  let spacing = windowMs / max;
  const bottleneck = new Bottleneck({ maxConcurrent, id: `etl-${name}` });

  const log: number[] = []; // start times, one per unit of weight, oldest first
  let head = 0; // index of the oldest start still inside the window
  let nextSlot = 0; // earliest start allowed by the even spacing
  let pausedUntil = 0;
  let slowUntil = 0;
  let started = 0;
  let dayEnds = options.dailyUsage?.resetsAt ?? 0;
  let dayUsed = options.dailyUsage?.used ?? 0;
  let gate: Promise<void> = Promise.resolve();

  const waitMs = (weight: number, t: number): number => {
    while (head < log.length && log[head] <= t - windowMs) head++;
    if (head > 4096) {
      log.splice(0, head);
      head = 0;
    }
    let at = Math.max(t, pausedUntil, nextSlot);
    const inWindow = log.length - head;
    if (inWindow + weight > max) {
      // The start that must leave the window before `weight` more fit.
      const oldest = log[head + inWindow + weight - max - 1];
      at = Math.max(at, oldest + windowMs + 1);
    }
    return at - t;
  };

  // Starts are granted one at a time, in the order Bottleneck releases jobs.
  const acquire = (weight: number): Promise<void> => {
    const mine = gate.then(async () => {
      for (;;) {
        const t = now();
        const ms = waitMs(weight, t);
        if (ms <= 0) break;
        await new Promise((r) => setTimeout(r, Math.min(ms, 1000)));
      }
      const t = now();
      for (let i = 0; i < weight; i++) log.push(t);
      started += weight;
      const step = spacing * weight * (t < slowUntil ? 2 : 1);
      // Catch up after a late timer, but never by more than one window's worth (the log bounds bursts anyway).
      nextSlot = Math.max(nextSlot, t - windowMs) + step;
    });
    gate = mine.catch(() => undefined);
    return mine;
  };

  const spendDaily = (weight: number): void => {
    if (!spec.daily) return;
    const t = now();
    if (t >= dayEnds) {
      dayEnds = startOfNextUtcDay(t);
      dayUsed = 0;
    }
    if (dayUsed + weight > spec.daily) {
      const resets = new Date(dayEnds).toISOString();
      throw new RetriesExhaustedError(
        `The daily budget of limiter "${name}" (${spec.daily} requests) is spent; it resets at ${resets}.`,
        {
          code: 'DAILY_BUDGET_SPENT',
          context: { limiter: name, daily: spec.daily, resetsAt: resets },
          suggestions: [`Run the same command again after ${resets} to resume where this run stopped.`],
        },
      );
    }
    dayUsed += weight;
    options.onDailySpend?.({ used: dayUsed, resetsAt: dayEnds });
  };

  return {
    name,
    limit: { max, intervalMs, maxConcurrent },
    get started() {
      return started;
    },
    schedule<T>(work: () => Promise<T>, opts: { weight?: number; priority?: number } = {}): Promise<T> {
      const weight = Math.max(1, Math.min(max, Math.floor(opts.weight ?? 1)));
      const priority = Math.max(0, Math.min(9, opts.priority ?? 5));
      return bottleneck.schedule({ priority }, async () => {
        spendDaily(weight);
        await acquire(weight);
        return work();
      });
    },
    observe(hint) {
      const t = now();
      if (hint.pauseMs && hint.pauseMs > 0) pausedUntil = Math.max(pausedUntil, t + hint.pauseMs);
      if (hint.remaining !== undefined && hint.max) {
        const remoteInterval = hint.intervalMs ?? intervalMs;
        if (hint.remaining <= 0) {
          // The remote's window is full: wait for one of its slots to free up.
          pausedUntil = Math.max(pausedUntil, t + remoteInterval / hint.max);
        } else if (hint.remaining < hint.max * 0.1) {
          // Nearly out: halve our pace for one remote window, so other clients of the same budget are not starved.
          slowUntil = Math.max(slowUntil, t + remoteInterval);
        }
        if (hint.intervalMs && hint.max < max * (hint.intervalMs / intervalMs)) {
          // The remote allows less than configured: follow it from now on.
          spacing = Math.max(spacing, (hint.intervalMs * (1 + margin)) / hint.max);
        }
      }
    },
    async stop() {
      await bottleneck.stop({ dropWaitingJobs: true }).catch(() => undefined);
    },
  };
}

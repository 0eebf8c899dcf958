import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import type BottleneckClass from 'bottleneck';
import { RetriesExhaustedError } from '../errors.js';
import type { LimiterSpec, SharedLimiterStore } from '../pipeline/types.js';
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
  /**
   * A budget shared with other processes and hosts under `key`: it replaces this process's rolling log (the store
   * keeps one for all of them) and adds its own daily count; this limiter still orders requests by priority, caps them
   * in flight, keeps its daily usage and pauses on a Retry-After.
   */
  shared?: { store: SharedLimiterStore; key: string };
  /** Called as each request leaves the limiter with how long it waited there (queue, window, pauses), in ms. */
  onWait?(ms: number): void;
  /** Called with what the remote reports is left of its daily budget (`observe({ dailyRemaining })`). */
  onDailyRemaining?(remaining: number): void;
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
  /** Requests the remote reported that this limiter did not start (another client of the same budget). */
  readonly foreignStarts: number;
  stop(): Promise<void>;
}

// Loaded with the first limiter, not with @etl/core: `etl validate` never builds one (Bottleneck is CommonJS).
let bottleneckClass: typeof BottleneckClass | undefined;
const loadBottleneck = (): typeof BottleneckClass =>
  (bottleneckClass ??= createRequire(import.meta.url)('bottleneck') as typeof BottleneckClass);

/** The limiter and start time of the request whose work is running, so `observe()` knows which request it hears about. */
const running = new AsyncLocalStorage<{ limiter: object; startedAt: number }>();

/** How many of the ascending `times` are after `from`. */
const countAfter = (times: number[], from: number): number => {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] <= from) lo = mid + 1;
    else hi = mid;
  }
  return times.length - lo;
};

/** How often to look again while the start that must leave the window is still in flight. */
const IN_FLIGHT_POLL_MS = 5;

function dailySpent(name: string, daily: number, resetsAt: number): RetriesExhaustedError {
  const resets = new Date(resetsAt).toISOString();
  return new RetriesExhaustedError(
    `The daily budget of limiter "${name}" (${daily} requests) is spent; it resets at ${resets}.`,
    {
      code: 'DAILY_BUDGET_SPENT',
      context: { limiter: name, daily, resetsAt: resets },
      suggestions: [`Run the same command again after ${resets} to resume where this run stopped.`],
    },
  );
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
 *
 * What the remote reports (`observe`) changes the pace only when it disagrees with the log: a client pacing itself at
 * the limit always sees a nearly empty `remaining`, and that is no reason to slow down. Only requests the remote
 * counted that this limiter did not start (another client of the same budget) are added to the log, as "foreign"
 * starts, so they take their slots until they leave the window.
 */
export function createRateLimiter(
  name: string,
  spec: LimiterSpec,
  options: RateLimiterOptions = {},
): ManagedRateLimiter {
  const now = options.now ?? Date.now;
  const max = Math.max(1, Math.floor(spec.max));
  const intervalMs = Math.max(1, spec.intervalMs);
  const maxConcurrent = Math.max(1, spec.maxConcurrent ?? 10);
  const margin = options.margin ?? 0.03;
  const windowMs = intervalMs * (1 + margin);
  let spacing = windowMs / max;
  let cap = max; // the window's capacity: `max`, or less when the remote says it allows less
  const reserve = Math.ceil(max * 0.05);
  const burst = Math.max(1, Math.ceil(max * 0.1));
  const Bottleneck = loadBottleneck();
  const bottleneck = new Bottleneck({ maxConcurrent, id: `etl-${name}` });

  const log: number[] = []; // start times (ours and foreign), one per unit of weight, oldest first
  // When each start's request was answered (0 while in flight): the remote counted it on arrival, at the latest then.
  const ends: number[] = [];
  const foreign: number[] = []; // the times foreign starts were added to the log, oldest first
  let foreignTotal = 0;
  let head = 0; // index of the oldest start still inside the window
  let nextSlot = 0; // earliest start allowed by the even spacing
  let pausedUntil = 0;
  let started = 0;
  let dayEnds = options.dailyUsage?.resetsAt ?? 0;
  let dayUsed = options.dailyUsage?.used ?? 0;
  let gate: Promise<void> = Promise.resolve();

  // Starts are kept for three windows (observe() looks back past the window), then dropped in chunks.
  const trim = (t: number): void => {
    const keepFrom = t - 3 * windowMs;
    if (head > 4096 && log[4095] <= keepFrom) {
      let cut = 4096;
      while (cut < head && log[cut] <= keepFrom) cut++;
      log.splice(0, cut);
      ends.splice(0, cut);
      head -= cut;
      let f = 0;
      while (f < foreign.length && foreign[f] <= keepFrom) f++;
      foreign.splice(0, f);
    }
  };

  // A start leaves the window a window after its answer, not its start: a request that took long to arrive (a busy
  // event loop, a slow network) is still in the remote's window when one sent after it has arrived.
  const leaves = (i: number, t: number): number => (ends[i] === 0 ? t + IN_FLIGHT_POLL_MS : ends[i]) + windowMs;

  const waitMs = (weight: number, t: number): number => {
    while (head < log.length && ends[head] !== 0 && ends[head] <= t - windowMs) head++;
    trim(t);
    let at = Math.max(t, pausedUntil, nextSlot);
    const inWindow = log.length - head;
    // While another client spends the same budget, its next requests are not in the log yet: keep a few slots for them.
    const room = foreign.length > 0 && foreign[foreign.length - 1] > t - windowMs ? Math.max(1, cap - reserve) : cap;
    if (inWindow + weight > room) {
      // Every start up to this one must leave the window before `weight` more fit.
      const last = head + inWindow + weight - room - 1;
      for (let i = head; i <= last; i++) at = Math.max(at, leaves(i, t) + 1);
    }
    return at - t;
  };

  // Starts are granted one at a time, in the order Bottleneck releases jobs.
  const acquire = (weight: number): Promise<number> => {
    const mine = gate.then(async () => {
      for (;;) {
        const t = now();
        const ms = waitMs(weight, t);
        if (ms <= 0) break;
        await new Promise((r) => setTimeout(r, Math.min(ms, 1000)));
      }
      const t = now();
      for (let i = 0; i < weight; i++) {
        log.push(t);
        ends.push(0);
      }
      started += weight;
      // Catch up after a late timer or an idle spell, but by a tenth of the window at most: a burst of a whole window
      // would leave another client of the same budget nothing until it ends.
      nextSlot = Math.max(nextSlot, t - burst * spacing) + spacing * weight;
      return t;
    });
    gate = mine.then(
      () => undefined,
      () => undefined,
    );
    return mine;
  };

  /**
   * Adds to the log the requests the remote counted in its window that none of our starts explain. The remote counted
   * our request when it arrived, after `sentAt` and before now, so its window can only hold our starts made since
   * `sentAt - remoteInterval` (less the margin, for an earlier request that took longer to arrive): counting all of
   * those (and the foreign ones already logged in that span) over-counts what is ours, and whatever is left over was
   * surely started by someone else.
   */
  const noteForeign = (used: number, remoteInterval: number, t: number, sentAt: number | undefined): void => {
    const from = (sentAt ?? t) - remoteInterval * (1 + margin);
    const explained = countAfter(log, from);
    const unexplained = used - explained;
    if (unexplained <= 0) return;
    foreignTotal += unexplained;
    for (let i = 0; i < unexplained; i++) {
      log.push(t);
      ends.push(t);
      foreign.push(t);
    }
  };

  /** Marks `weight` of the starts made at `startedAt` as answered now (foreign ones are logged answered). */
  const answered = (startedAt: number, weight: number): void => {
    const t = now();
    let i = log.length - 1;
    while (i >= 0 && log[i] > startedAt) i--;
    for (; i >= 0 && log[i] === startedAt && weight > 0; i--) {
      if (ends[i] === 0) {
        ends[i] = t;
        weight--;
      }
    }
  };

  const spendDaily = (weight: number): void => {
    if (!spec.daily) return;
    const t = now();
    if (t >= dayEnds) {
      dayEnds = startOfNextUtcDay(t);
      dayUsed = 0;
    }
    if (dayUsed + weight > spec.daily) throw dailySpent(name, spec.daily, dayEnds);
    dayUsed += weight;
    options.onDailySpend?.({ used: dayUsed, resetsAt: dayEnds });
  };

  const stopping = new AbortController();
  // Every request waiting on the shared store listens to it (up to maxConcurrent of them): not a leak.
  setMaxListeners(0, stopping.signal);
  /** Takes the start from the shared store (after any Retry-After pause), runs the work, tells the store it ended. */
  const runShared = async <T>(work: () => Promise<T>, weight: number, queuedAt: number): Promise<T> => {
    const { store, key } = options.shared!;
    while (pausedUntil > now()) await new Promise((r) => setTimeout(r, Math.min(pausedUntil - now(), 1000)));
    const grant = await store.acquire({ key, max, windowMs, daily: spec.daily, weight, signal: stopping.signal });
    if ('dailyResetsAt' in grant) throw dailySpent(name, spec.daily ?? 0, grant.dailyResetsAt);
    started += weight;
    options.onWait?.(now() - queuedAt);
    try {
      return await work();
    } finally {
      grant.release();
    }
  };

  const limiter: ManagedRateLimiter = {
    name,
    limit: { max, intervalMs, maxConcurrent },
    get started() {
      return started;
    },
    get foreignStarts() {
      return foreignTotal;
    },
    schedule<T>(work: () => Promise<T>, opts: { weight?: number; priority?: number } = {}): Promise<T> {
      const weight = Math.max(1, Math.min(max, Math.floor(opts.weight ?? 1)));
      const priority = Math.max(0, Math.min(9, opts.priority ?? 5));
      const queuedAt = now();
      return bottleneck.schedule({ priority }, async () => {
        spendDaily(weight);
        if (options.shared) return runShared(work, weight, queuedAt);
        const startedAt = await acquire(weight);
        options.onWait?.(startedAt - queuedAt);
        try {
          return await running.run({ limiter, startedAt }, work);
        } finally {
          answered(startedAt, weight);
        }
      });
    },
    observe(hint) {
      const t = now();
      if (hint.pauseMs && hint.pauseMs > 0) pausedUntil = Math.max(pausedUntil, t + hint.pauseMs);
      if (hint.dailyRemaining !== undefined) options.onDailyRemaining?.(hint.dailyRemaining);
      // With a shared store the other clients of the budget are in its log already: what the remote counted is no news.
      if (options.shared) return;
      if (hint.remaining !== undefined && hint.max) {
        const remoteInterval = hint.intervalMs ?? intervalMs;
        if (hint.intervalMs && hint.max < max * (hint.intervalMs / intervalMs)) {
          // The remote allows less than configured: follow it from now on.
          spacing = Math.max(spacing, (hint.intervalMs * (1 + margin)) / hint.max);
          if (hint.intervalMs === intervalMs) cap = Math.min(cap, hint.max);
        }
        const store = running.getStore();
        const sentAt = store?.limiter === limiter ? store.startedAt : undefined;
        noteForeign(hint.max - Math.max(0, hint.remaining), remoteInterval, t, sentAt);
      }
    },
    async stop() {
      stopping.abort(new Error(`limiter "${name}" stopped`));
      await bottleneck.stop({ dropWaitingJobs: true }).catch(() => undefined);
    },
  };
  return limiter;
}

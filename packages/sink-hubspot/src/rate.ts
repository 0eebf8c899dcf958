/**
 * Request rate for HubSpot: tier presets, the daily budget, and a limiter that is safe against a remote counting a
 * true rolling window (HubSpot's TEN_SECONDLY_ROLLING policy).
 *
 * Used when the step names no shared `limiter:`; with one, the runtime's limiter is used and only fed hints.
 */
import Bottleneck from 'bottleneck';
import { RetriesExhaustedError, type RateLimiter } from '@etl/core';
import { parseDuration, type HubspotConfig, type HubspotTier } from './config.js';

/** Requests per 10 s per app and per day per account, from HubSpot's usage guidelines (private apps). */
export const TIERS: Record<HubspotTier, { max: number; intervalMs: number; daily: number }> = {
  free: { max: 100, intervalMs: 10_000, daily: 250_000 },
  starter: { max: 100, intervalMs: 10_000, daily: 250_000 },
  professional: { max: 190, intervalMs: 10_000, daily: 625_000 },
  enterprise: { max: 190, intervalMs: 10_000, daily: 1_000_000 },
  // The add-on raises the burst to 250 (it does not stack) and adds 1M a day per pack on top of the tier's budget;
  // the tier underneath is unknown here, so assume the smallest plus one pack. Set `dailyLimit` to be exact.
  'api-addon': { max: 250, intervalMs: 10_000, daily: 1_250_000 },
};

export interface RateSpec {
  max: number;
  intervalMs: number;
  maxConcurrent: number;
  /** Requests per day, or undefined when unknown. */
  daily?: number;
}

/** The rate a config asks for: explicit `rate`/`dailyLimit` win over the tier preset. */
export function rateFromConfig(config: HubspotConfig): RateSpec {
  const tier = TIERS[config.tier ?? 'free'];
  return {
    max: config.rate?.max ?? tier.max,
    intervalMs: config.rate ? parseDuration(config.rate.per) : tier.intervalMs,
    maxConcurrent: config.concurrency,
    daily: config.dailyLimit === null ? undefined : (config.dailyLimit ?? tier.daily),
  };
}

/**
 * Slack added to the window: a request is counted by the remote when it arrives, which is before we see its answer,
 * so a slot reopens one window plus this margin after the answer came back.
 */
const WINDOW_MARGIN_MS = 50;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A rolling-window limiter: at most `max` requests are in flight or were answered within the last window.
 * Bottleneck queues the work and caps concurrency; a log of answer times decides when a new request may start, so
 * unlike a fixed-window reservoir it can never put 2×max requests into one rolling window, and it still uses the
 * whole allowance (a burst up to `max` when the window is empty, then one request per expiring slot).
 */
export class RollingWindowLimiter implements RateLimiter {
  readonly name: string;
  readonly limit: { max: number; intervalMs: number; maxConcurrent: number };
  private readonly queue: Bottleneck;
  /** Times (ms) at which requests of the current window were answered, oldest first. */
  private readonly answered: number[] = [];
  private inFlight = 0;
  private max: number;
  private pausedUntil = 0;

  constructor(name: string, spec: RateSpec, private readonly now: () => number = Date.now) {
    this.name = name;
    this.max = spec.max;
    this.limit = { max: spec.max, intervalMs: spec.intervalMs, maxConcurrent: spec.maxConcurrent };
    this.queue = new Bottleneck({ maxConcurrent: spec.maxConcurrent, id: `etl-hubspot-${name}` });
  }

  schedule<T>(work: () => Promise<T>, options: { weight?: number; priority?: number } = {}): Promise<T> {
    const weight = options.weight ?? 1;
    return this.queue.schedule({ priority: options.priority ?? 5 }, async () => {
      await this.acquire(weight);
      try {
        return await work();
      } finally {
        this.inFlight -= weight;
        const at = this.now();
        for (let i = 0; i < weight; i++) this.answered.push(at);
      }
    });
  }

  observe(hint: { remaining?: number; max?: number; intervalMs?: number; pauseMs?: number }): void {
    const now = this.now();
    if (hint.pauseMs !== undefined && hint.pauseMs > 0) this.pausedUntil = Math.max(this.pausedUntil, now + hint.pauseMs);
    // The remote's own window may be smaller than configured (another tier, a shared app): never exceed it.
    if (hint.max !== undefined && hint.max > 0 && hint.max < this.max) this.max = hint.max;
    if (hint.remaining !== undefined) {
      this.prune(now);
      const believed = this.max - this.answered.length - this.inFlight;
      // Requests we did not send (another process with the same token) used the difference: count them as if
      // answered now, which over-estimates how long they stay in the window and so stays on the safe side.
      for (let i = 0; i < believed - hint.remaining; i++) this.answered.push(now);
    }
  }

  /** Requests started or answered within the current window, for tests and progress. */
  usage(): number {
    this.prune(this.now());
    return this.answered.length + this.inFlight;
  }

  async stop(): Promise<void> {
    await this.queue.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }

  private prune(now: number): void {
    const horizon = now - this.limit.intervalMs - WINDOW_MARGIN_MS;
    let expired = 0;
    while (expired < this.answered.length && this.answered[expired] <= horizon) expired++;
    if (expired > 0) this.answered.splice(0, expired);
  }

  private async acquire(weight: number): Promise<void> {
    for (;;) {
      const now = this.now();
      if (this.pausedUntil > now) {
        await sleep(this.pausedUntil - now);
        continue;
      }
      this.prune(now);
      if (this.answered.length + this.inFlight + weight <= this.max) {
        this.inFlight += weight;
        return;
      }
      // Wait for the oldest answer to leave the window; with none logged, an in-flight request will add one soon.
      const oldest = this.answered[0];
      const wait = oldest === undefined ? 20 : oldest + this.limit.intervalMs + WINDOW_MARGIN_MS - now + 1;
      await sleep(Math.max(1, wait));
    }
  }
}

/**
 * Counts requests against the daily budget, trusting `X-HubSpot-RateLimit-Daily-Remaining` when HubSpot sends it
 * (the budget is shared by every app of the account, so only the remote knows what is left).
 */
export class DailyBudget {
  private used = 0;
  private remoteRemaining: number | undefined;

  constructor(private readonly daily: number | undefined) {}

  /** Throws when no request may be sent today; call before each request. */
  take(): void {
    const left = this.remoteRemaining ?? (this.daily === undefined ? Number.POSITIVE_INFINITY : this.daily - this.used);
    if (left <= 0) throw dailyLimitError(this.daily);
    this.used++;
    if (this.remoteRemaining !== undefined) this.remoteRemaining--;
  }

  observe(remaining: number | undefined): void {
    if (remaining !== undefined) this.remoteRemaining = remaining;
  }

  get requests(): number {
    return this.used;
  }
}

/** The error that stops a run whose daily budget is spent: resumable once it resets. */
export function dailyLimitError(daily: number | undefined, message = 'HubSpot daily API limit reached'): RetriesExhaustedError {
  const tomorrow = new Date();
  tomorrow.setUTCHours(24, 0, 0, 0);
  return new RetriesExhaustedError(
    `${message}${daily ? ` (${daily} requests a day)` : ''}. The budget resets at midnight in the HubSpot account's time zone ` +
      `(around ${tomorrow.toISOString()} if it is UTC); progress up to the last acknowledged batch is checkpointed.`,
    {
      code: 'HUBSPOT_DAILY_LIMIT',
      suggestions: [
        'Run the same command again after the daily reset: it resumes where it stopped.',
        'Or raise the budget (tier, API limit increase) and set `dailyLimit` to match.',
      ],
    },
  );
}

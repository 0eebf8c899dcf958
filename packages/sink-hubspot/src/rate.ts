/**
 * Request rate for HubSpot: tier presets and the daily budget, turned into core's rolling-window limiter when the
 * step names no shared `limiter:` (with one, the runtime's limiter is used and only fed what HubSpot reports).
 */
import { createRateLimiter, parseDuration, RetriesExhaustedError, type ManagedRateLimiter } from '@etl/core';
import type { HubspotConfig, HubspotTier } from './config.js';

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

/**
 * The step's own limiter: at most `max` request starts in any rolling window (HubSpot counts TEN_SECONDLY_ROLLING
 * as a true rolling window, so a fixed-window reservoir would let 2×max through), `concurrency` in flight, and the
 * daily budget.
 */
export function createHubspotLimiter(name: string, spec: RateSpec): ManagedRateLimiter {
  // HubSpot counts a request when it arrives and we log it when it starts, so the window needs slack only for the
  // spread of network delays: 1% of 10 s (100 ms) is plenty, and keeps the sync at 99% of the allowed rate.
  return createRateLimiter(
    name,
    { max: spec.max, intervalMs: spec.intervalMs, maxConcurrent: spec.maxConcurrent, daily: spec.daily },
    { margin: WINDOW_MARGIN },
  );
}

/** Share of the window kept free for network jitter. */
export const WINDOW_MARGIN = 0.01;

/** The rate a config asks for: explicit `rate`/`dailyLimit` win over the tier preset. */
export function rateFromConfig(config: HubspotConfig): RateSpec {
  const tier = TIERS[config.tier];
  return {
    max: config.rate?.max ?? tier.max,
    intervalMs: config.rate ? parseDuration(config.rate.per) : tier.intervalMs,
    maxConcurrent: config.concurrency,
    daily: config.dailyLimit === null ? undefined : (config.dailyLimit ?? tier.daily),
  };
}

/**
 * Counts requests against the daily budget, trusting `X-HubSpot-RateLimit-Daily-Remaining` when HubSpot sends it
 * (the budget is shared by every app of the account, so only the remote knows what is left).
 */
export class DailyBudget {
  private used = 0;
  private remoteRemaining: number | undefined;
  /** Requests sent and not yet answered: an answer's count does not include them, so they are taken off it. */
  private unanswered = 0;

  constructor(private readonly daily: number | undefined) {}

  /** Throws when no request may be sent today; call before each request. */
  take(): void {
    const left = this.remoteRemaining ?? (this.daily === undefined ? Number.POSITIVE_INFINITY : this.daily - this.used);
    if (left <= 0) throw dailyLimitError(this.daily);
    this.used++;
    this.unanswered++;
    if (this.remoteRemaining !== undefined) this.remoteRemaining--;
  }

  /**
   * Call with every answer. Answers come back out of order, so an early one's count would hand back requests already
   * sent since: the lower bound (what it says minus what is still in flight) is what keeps the run off a daily 429.
   */
  observe(remaining: number | undefined): void {
    this.unanswered = Math.max(0, this.unanswered - 1);
    if (remaining !== undefined) this.remoteRemaining = Math.max(0, remaining - this.unanswered);
  }

  get requests(): number {
    return this.used;
  }

  /** What HubSpot last said is left today, less the requests sent since; undefined until it says. */
  get remaining(): number | undefined {
    return this.remoteRemaining;
  }
}

/** The error that stops a run whose daily budget is spent: resumable once it resets. */
export function dailyLimitError(
  daily: number | undefined,
  message = 'HubSpot daily API limit reached',
): RetriesExhaustedError {
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

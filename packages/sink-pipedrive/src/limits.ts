/**
 * Pipedrive's two limits. The burst limit (requests per 2 s per token, by plan and kind of token) is the step's core
 * limiter, built by the runtime from `rateLimit` below. The daily token budget belongs to the company and only
 * Pipedrive knows what is left of it (other apps spend it too, and its day is Pipedrive's, not this machine's), so it
 * is followed from `x-daily-requests-left` instead of being counted here: core's `daily` counts requests of this
 * machine's UTC day and would refuse a resumed run that Pipedrive's new day allows.
 */
import { RetriesExhaustedError, type RateLimitSpec } from '@etl/core';
import type { PipedriveConfig, PipedrivePlan } from './config.js';

export const WINDOW_MS = 2000;

/** Requests per 2 s per api token, by plan (OAuth tokens get 4 times as many), from Pipedrive's rate-limit page. */
export const PLAN_BURST: Record<PipedrivePlan, number> = {
  essential: 20,
  advanced: 40,
  professional: 80,
  power: 100,
  enterprise: 120,
};

/** Token cost (`x-token-cost`) of each request the sink makes, from the v2 definition (v1 users/me: 2). */
export const COST = {
  me: 2,
  listPersons: 10,
  getPersons: 10,
  createPerson: 5,
  updatePerson: 5,
  listFields: 10,
  createField: 5,
  addOptions: 5,
} as const;

export function rateLimitOf(config: PipedriveConfig): RateLimitSpec {
  const perToken = PLAN_BURST[config.plan] * (config.apiToken ? 1 : 4);
  return { max: config.rateMax ?? perToken, intervalMs: WINDOW_MS, maxConcurrent: config.concurrency, margin: 0.03 };
}

/**
 * What is left of today's budget, as Pipedrive last said, less what was sent since. Unknown until an answer carries
 * `x-daily-requests-left` (OAuth answers never do: then a 429 is the first word of it).
 */
export class TokenBudget {
  private left: number | undefined;
  /** Set once the budget is known to be spent: nothing more is sent in this run. */
  spent?: RetriesExhaustedError;

  /** Call right before sending; throws the stop error when the request would not fit. */
  take(cost: number): void {
    if (this.spent) throw this.spent;
    if (this.left !== undefined && this.left < cost) {
      this.spent = budgetSpent(`${this.left} of its tokens left, and the next request costs ${cost}`);
      throw this.spent;
    }
    if (this.left !== undefined) this.left -= cost;
  }

  /** The remote's count; the lower of it and ours wins (answers to earlier requests arrive late). */
  observe(remaining: number | undefined): void {
    if (remaining === undefined || !Number.isFinite(remaining)) return;
    this.left = this.left === undefined ? remaining : Math.min(this.left, remaining);
  }

  get remaining(): number | undefined {
    return this.left;
  }
}

/** Pipedrive's day starts at midnight; this machine's next UTC midnight is the best guess of when without a Retry-After. */
export function budgetSpent(why: string, retryAfterMs?: number): RetriesExhaustedError {
  const at = retryAfterMs !== undefined ? new Date(Date.now() + retryAfterMs) : nextUtcMidnight();
  const when = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return new RetriesExhaustedError(
    `Pipedrive's daily token budget is spent (${why}); it resets at ${when}${retryAfterMs === undefined ? ' (midnight UTC by this machine, the start of Pipedrive’s next day)' : ''}.`,
    {
      code: 'PIPEDRIVE_DAILY_BUDGET',
      context: { resetsAt: when },
      suggestions: [
        `Run the same command again after ${when}: it resumes where this run stopped and sends only what is left.`,
        'Or buy more tokens for the company, then run again.',
      ],
    },
  );
}

function nextUtcMidnight(): Date {
  const d = new Date();
  d.setUTCHours(24, 0, 0, 0);
  return d;
}

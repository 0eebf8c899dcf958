/** The policies a 429 names, as in HubSpot's bodies. */
export type RatePolicy = 'TEN_SECONDLY_ROLLING' | 'DAILY' | 'SECONDLY';

const APP_ID = 2_468_013;
/** Search has its own limit: 5 requests per second per account (D-SEARCH). */
const SEARCH_PER_SECOND = 5;

/** Parses a burst rate such as "100/10s", "5/1s", "250/10000ms" or "600/1m". */
export function parseRate(rate: string): { max: number; windowMs: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)?\s*(ms|s|m)\s*$/.exec(rate);
  const max = match ? Number(match[1]) : 0;
  const amount = match?.[2] === undefined ? 1 : Number(match[2]);
  const windowMs = match ? amount * { ms: 1, s: 1000, m: 60_000 }[match[3] as 'ms' | 's' | 'm'] : 0;
  if (!match || max < 1 || windowMs < 1) {
    throw new Error(`Invalid HubSpot sandbox rate "${rate}": write <requests>/<window>, e.g. "100/10s" or "5/1s".`);
  }
  return { max, windowMs };
}

/** The body of a 429 for `policy`, in HubSpot's shape (`errorType`, not `category`). */
export function rateLimitBody(policy: RatePolicy, portalId: number): Record<string, unknown> {
  const message = {
    TEN_SECONDLY_ROLLING: 'You have reached your ten_secondly_rolling limit.',
    DAILY: 'You have reached your daily limit.',
    SECONDLY: 'You have reached your secondly limit.',
  }[policy];
  const group = {
    TEN_SECONDLY_ROLLING: `publicapi:private_app-api-calls-ten-secondly:${portalId}:${APP_ID}`,
    DAILY: `publicapi:private_app-api-calls-daily:${portalId}`,
    SECONDLY: `publicapi:private_app-api-calls-search-secondly:${portalId}`,
  }[policy];
  return { status: 'error', message, errorType: 'RATE_LIMIT', policyName: policy, groupName: group };
}

/**
 * The account's request budgets: a true rolling burst window (timestamps of accepted requests, not fixed buckets),
 * a daily count that resets at midnight UTC (the sandbox portal's time zone), and search's own per-second window.
 *
 * Rejected (429) requests are not counted toward either window or the day: a client that keeps retrying gets through
 * as soon as its oldest accepted request leaves the window, and the X-HubSpot-RateLimit-* headers stay a faithful
 * picture of the budget it has actually used. HubSpot does not document this either way.
 */
export class RateLimits {
  private readonly window: number[] = [];
  private readonly searchWindow: number[] = [];
  private day = '';
  private dailyCount = 0;
  /** The most requests the burst window ever held at once (never above `max`: the proof a client stayed within it). */
  peakInWindow = 0;

  constructor(
    readonly max: number,
    readonly windowMs: number,
    readonly dailyLimit: number,
  ) {}

  /** Takes one request from the burst window and the day; the policy hit when there is no budget left. */
  takeApi(now: number): RatePolicy | undefined {
    this.rollDay(now);
    if (this.dailyCount >= this.dailyLimit) return 'DAILY';
    prune(this.window, now - this.windowMs);
    if (this.window.length >= this.max) return 'TEN_SECONDLY_ROLLING';
    this.window.push(now);
    this.peakInWindow = Math.max(this.peakInWindow, this.window.length);
    this.dailyCount++;
    return undefined;
  }

  /** Search skips the burst window (`x-hubspot-rate-limit-exemptions: ten-secondly`) but counts toward the day. */
  takeSearch(now: number): RatePolicy | undefined {
    this.rollDay(now);
    if (this.dailyCount >= this.dailyLimit) return 'DAILY';
    prune(this.searchWindow, now - 1000);
    if (this.searchWindow.length >= SEARCH_PER_SECOND) return 'SECONDLY';
    this.searchWindow.push(now);
    this.dailyCount++;
    return undefined;
  }

  /** The X-HubSpot-RateLimit-* headers after this request, including the deprecated Secondly pair. */
  headers(now: number): Record<string, string> {
    this.rollDay(now);
    prune(this.window, now - this.windowMs);
    const secondlyMax = Math.max(1, Math.round((this.max * 1000) / this.windowMs));
    const lastSecond = this.window.filter((t) => t > now - 1000).length;
    return {
      'X-HubSpot-RateLimit-Daily': String(this.dailyLimit),
      'X-HubSpot-RateLimit-Daily-Remaining': String(Math.max(0, this.dailyLimit - this.dailyCount)),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(this.windowMs),
      'X-HubSpot-RateLimit-Max': String(this.max),
      'X-HubSpot-RateLimit-Remaining': String(Math.max(0, this.max - this.window.length)),
      'X-HubSpot-RateLimit-Secondly': String(secondlyMax),
      'X-HubSpot-RateLimit-Secondly-Remaining': String(Math.max(0, secondlyMax - lastSecond)),
    };
  }

  /** Requests counted today (persisted so a restart keeps the daily budget). */
  dailyState(): { day: string; count: number } {
    return { day: this.day, count: this.dailyCount };
  }

  restoreDaily(state: { day: string; count: number } | undefined, now: number): void {
    this.rollDay(now);
    if (state && state.day === this.day) this.dailyCount = state.count;
  }

  reset(): void {
    this.window.length = 0;
    this.peakInWindow = 0;
    this.searchWindow.length = 0;
    this.dailyCount = 0;
  }

  private rollDay(now: number): void {
    const day = new Date(now).toISOString().slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.dailyCount = 0;
    }
  }
}

/** Drops timestamps at or before `cutoff` (they are in ascending order). */
function prune(times: number[], cutoff: number): void {
  let drop = 0;
  while (drop < times.length && times[drop] <= cutoff) drop++;
  if (drop > 0) times.splice(0, drop);
}

/**
 * The stand-in's clock: real time plus a shift a test can set, so "the next day" (when the token budget starts over)
 * is a call away instead of a night away. Burst windows, timestamps and the budget's day all read this one clock.
 */

const DAY_MS = 86_400_000;

export class SandboxClock {
  /** Added to the base clock; persisted, so a restarted stand-in stays on the day a test moved it to. */
  shiftMs = 0;

  constructor(private readonly base: () => number = Date.now) {}

  now(): number {
    return this.base() + this.shiftMs;
  }

  set(time: number | Date): void {
    const target = typeof time === 'number' ? time : time.getTime();
    if (!Number.isFinite(target))
      throw new Error(`Invalid Pipedrive sandbox clock time ${String(time)}: pass ms since 1970 or a Date.`);
    this.shiftMs = target - this.base();
  }

  /** Jumps to the next midnight UTC plus `plusMs`. */
  advanceDay(plusMs = 0): void {
    this.set(nextMidnightUtc(this.now()) + plusMs);
  }
}

/** The UTC day of `ms`, YYYY-MM-DD: Pipedrive counts daily limits "in UTC". */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function nextMidnightUtc(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS + DAY_MS;
}

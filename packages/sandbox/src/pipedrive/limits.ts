import type { PipedrivePlan } from '../types.js';
import { nextMidnightUtc, utcDay } from './clock.js';

/** Which limit a 429 names (also the keys of `stats().rateLimited`). */
export type PipedriveLimit = 'burst' | 'search' | 'daily_budget';
export type AuthKind = 'api_token' | 'oauth';

export const WINDOW_MS = 2000;

/** Requests per 2 s by plan, from Pipedrive's rate-limiting page. */
export const PLAN_BURST: Record<PipedrivePlan, Record<AuthKind, number>> = {
  essential: { api_token: 20, oauth: 80 },
  advanced: { api_token: 40, oauth: 160 },
  professional: { api_token: 80, oauth: 320 },
  power: { api_token: 100, oauth: 400 },
  enterprise: { api_token: 120, oauth: 480 },
};

/**
 * Budget multiplier per plan: the budget is "30,000 base tokens × plan multiplier × seats", the multiplier going "from 1
 * for the lowest plan up to 7". The steps between are a guess (UNVERIFIED); tests set `dailyTokens` anyway.
 */
const PLAN_MULTIPLIER: Record<PipedrivePlan, number> = {
  essential: 1,
  advanced: 2,
  professional: 4,
  power: 5,
  enterprise: 7,
};

export function defaultDailyTokens(plan: PipedrivePlan): number {
  return 30_000 * PLAN_MULTIPLIER[plan];
}

/** One token's view of its window, for the x-ratelimit-* headers. */
export interface WindowState {
  limit: number;
  remaining: number;
  /** Whole seconds until a slot frees (the oldest request leaves the window); the window length when empty. */
  resetSec: number;
}

/**
 * A true rolling window of accepted requests' times. Pipedrive's page says only "2-second window"; rolling is the
 * stricter reading, and a client that honours x-ratelimit-reset gets through either way.
 */
class RollingWindow {
  private readonly times: number[] = [];

  constructor(readonly limit: number) {}

  tryTake(now: number): boolean {
    this.prune(now);
    if (this.times.length >= this.limit) return false;
    this.times.push(now);
    return true;
  }

  state(now: number): WindowState {
    this.prune(now);
    const oldest = this.times[0];
    const resetSec =
      oldest === undefined ? WINDOW_MS / 1000 : Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000));
    return { limit: this.limit, remaining: Math.max(0, this.limit - this.times.length), resetSec };
  }

  private prune(now: number): void {
    let drop = 0;
    // A clock moved backwards (setClock to an earlier time) also empties the window rather than freezing it.
    while (drop < this.times.length && (this.times[drop] <= now - WINDOW_MS || this.times[drop] > now)) drop++;
    if (drop > 0) this.times.splice(0, drop);
  }
}

export interface LimitSettings {
  burst: Record<AuthKind, number>;
  searchBurst: number;
  dailyTokens: number;
}

/**
 * Burst windows per token (search has its own per token, and search requests count only there, so the headers of a
 * search answer describe the window that applies to it), and the company's daily token budget, which starts over at
 * midnight UTC of the stand-in's clock. Refused (429) requests cost nothing and take no slot.
 */
export class Limits {
  private readonly windows = new Map<string, RollingWindow>();
  private day = '';
  private spent = 0;

  constructor(readonly settings: LimitSettings) {}

  private window(token: string, kind: AuthKind, search: boolean): RollingWindow {
    const key = `${search ? 'search' : 'api'}:${token}`;
    let window = this.windows.get(key);
    if (!window) {
      window = new RollingWindow(search ? this.settings.searchBurst : this.settings.burst[kind]);
      this.windows.set(key, window);
    }
    return window;
  }

  /** Takes a slot in the token's window; false when it is full. */
  takeSlot(token: string, kind: AuthKind, search: boolean, now: number): boolean {
    return this.window(token, kind, search).tryTake(now);
  }

  windowState(token: string, kind: AuthKind, search: boolean, now: number): WindowState {
    return this.window(token, kind, search).state(now);
  }

  /**
   * Charges `cost` tokens; false when fewer are left. A request dearer than what is left is refused even if some
   * tokens remain, so cheap requests (a GET by id costs 1) can still use up the rest: Pipedrive does not say which.
   */
  charge(cost: number, now: number): boolean {
    this.rollDay(now);
    if (this.settings.dailyTokens - this.spent < cost) return false;
    this.spent += cost;
    return true;
  }

  tokensLeft(now: number): number {
    this.rollDay(now);
    return Math.max(0, this.settings.dailyTokens - this.spent);
  }

  /** When the budget starts over: the next midnight UTC of the stand-in's clock. */
  budgetResetsAt(now: number): number {
    return nextMidnightUtc(now);
  }

  dailyState(now: number): { day: string; spent: number } {
    this.rollDay(now);
    return { day: this.day, spent: this.spent };
  }

  restoreDaily(state: { day: string; spent: number } | undefined, now: number): void {
    this.rollDay(now);
    if (state && state.day === this.day) this.spent = state.spent;
  }

  reset(): void {
    this.windows.clear();
    this.spent = 0;
  }

  private rollDay(now: number): void {
    const day = utcDay(now);
    if (day !== this.day) {
      this.day = day;
      this.spent = 0;
    }
  }
}

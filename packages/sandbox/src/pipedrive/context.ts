import type { FaultInjector } from '../hubspot/faults.js';
import type { SandboxClock } from './clock.js';
import type { Limits } from './limits.js';
import type { PersonStore } from './store.js';

/** Request counters behind `stats()` and `GET /__sandbox/stats`. */
export interface Stats {
  requests: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  byRouteStatus: Record<string, number>;
  rateLimited: Record<string, number>;
}

/** The company this stand-in is, and the one user both tokens belong to. */
export interface Company {
  companyId: number;
  userId: number;
}

/** What the routes share: the data, the limits, the counters, the tokens and the clock. */
export interface PipedriveContext {
  store: PersonStore;
  limits: Limits;
  faults: FaultInjector;
  stats: Stats;
  clock: SandboxClock;
  company: Company;
  token: string;
  oauthToken: string;
  /** Scopes both tokens have. */
  scopes: ReadonlySet<string>;
  /** Clears data and counters (and persists the empty state). */
  reset(): Promise<void>;
}

export function emptyStats(): Stats {
  return { requests: 0, byRoute: {}, byStatus: {}, byRouteStatus: {}, rateLimited: {} };
}

export function bump(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

import { seededRandom } from '../shared/seeded-random.js';
import type { HubspotFaults } from '../types.js';

/** {@link HubspotFaults} plus faults beyond the agreed type (pass them through `setFaults` or the admin route). */
export interface SandboxFaults extends HubspotFaults {
  /** Share (0..1) of requests answered 477 Migration in Progress, with Retry-After. */
  migrationRate?: number;
  /** Retry-After (seconds) sent with 477. @default 2 */
  migrationRetryAfterSec?: number;
  /**
   * Share (0..1) of requests that are fully processed (writes happen) but whose answer is replaced by a destroyed
   * connection: the "timed out after commit" case that makes retried writes hit 409 or create duplicates.
   */
  dropAfterProcessingRate?: number;
}

/** What to do with one request, drawn before it reaches a route. */
export type FaultDecision =
  | { kind: 'drop' }
  | { kind: 'dropAfterProcessing' }
  | { kind: 'storm' }
  | { kind: 'error'; status: number }
  | { kind: 'locked' }
  | { kind: 'migration'; retryAfterSec: number };

const SERVER_ERRORS = [500, 502, 503, 504];
/** HubSpot says a 423 lock lasts 2 seconds; requests inside that time are counted as too-early retries. */
export const LOCK_MS = 2000;

/**
 * Seeded fault injection. Every request draws the same number of random values (latency, drop, status) whatever the
 * settings, so the same seed and the same request order give the same faults.
 */
export class FaultInjector {
  private faults: SandboxFaults = {};
  private random = seededRandom(1);
  private stormUntil = 0;
  private nextServerError = 0;
  private lockedUntil = 0;
  /** Requests that arrived within 2 s of a 423 (a client should have waited). */
  earlyRetriesAfterLock = 0;

  constructor(faults: SandboxFaults | undefined, now: number) {
    this.set(faults ?? {}, now);
  }

  /** Replaces the faults; a `seed` restarts the random sequence, a storm starts now. */
  set(faults: SandboxFaults, now: number): void {
    for (const key of ['errorRate', 'lockedRate', 'dropRate', 'migrationRate', 'dropAfterProcessingRate'] as const) {
      const share = faults[key];
      if (share !== undefined && !(typeof share === 'number' && share >= 0 && share <= 1)) {
        throw new Error(`Invalid HubSpot sandbox fault ${key}=${String(share)}: use a share between 0 and 1.`);
      }
    }
    this.faults = { ...faults };
    if (faults.seed !== undefined) this.random = seededRandom(faults.seed);
    this.stormUntil = faults.rateLimitStormMs ? now + faults.rateLimitStormMs : 0;
    this.nextServerError = 0;
  }

  current(): SandboxFaults {
    return { ...this.faults };
  }

  /** Draws this request's faults: the latency to add and what (if anything) to answer instead of the route. */
  draw(now: number): { latencyMs: number; decision?: FaultDecision } {
    const f = this.faults;
    const latencyDraw = this.random();
    const dropDraw = this.random();
    const statusDraw = this.random();
    if (now < this.lockedUntil) this.earlyRetriesAfterLock++;
    const latencyMs = Array.isArray(f.latencyMs)
      ? f.latencyMs[0] + latencyDraw * (f.latencyMs[1] - f.latencyMs[0])
      : (f.latencyMs ?? 0);
    if (dropDraw < (f.dropRate ?? 0)) return { latencyMs, decision: { kind: 'drop' } };
    // Shares one draw with dropRate (the range just above it), so enabling it does not shift other faults.
    if (dropDraw < (f.dropRate ?? 0) + (f.dropAfterProcessingRate ?? 0))
      return { latencyMs, decision: { kind: 'dropAfterProcessing' } };
    if (now < this.stormUntil) return { latencyMs, decision: { kind: 'storm' } };
    const errorRate = f.errorRate ?? 0;
    const lockedRate = f.lockedRate ?? 0;
    if (statusDraw < errorRate) {
      const status = SERVER_ERRORS[this.nextServerError++ % SERVER_ERRORS.length];
      return { latencyMs, decision: { kind: 'error', status } };
    }
    if (statusDraw < errorRate + lockedRate) {
      this.lockedUntil = now + LOCK_MS;
      return { latencyMs, decision: { kind: 'locked' } };
    }
    if (statusDraw < errorRate + lockedRate + (f.migrationRate ?? 0)) {
      return { latencyMs, decision: { kind: 'migration', retryAfterSec: f.migrationRetryAfterSec ?? 2 } };
    }
    return { latencyMs };
  }
}

/** Bodies for injected error answers (JSON in the `Error` shape; HubSpot documents no exact 5xx/423/477 bodies). */
export function faultBody(decision: FaultDecision): Record<string, unknown> {
  switch (decision.kind) {
    case 'locked':
      return {
        status: 'error',
        message:
          'The records are locked by another request that is updating them. Locks last 2 seconds: wait at least 2 seconds before retrying.',
        category: 'LOCKED',
      };
    case 'migration':
      return {
        status: 'error',
        message: `This account is being migrated between data centers. Retry after ${decision.retryAfterSec} seconds (see the Retry-After header).`,
        category: 'MIGRATION_IN_PROGRESS',
      };
    case 'error':
      return {
        status: 'error',
        message: `The HubSpot sandbox injected a ${decision.status} (fault errorRate). Pause a few seconds, then retry.`,
        category: decision.status === 500 ? 'INTERNAL_ERROR' : 'SERVICE_UNAVAILABLE',
      };
    default:
      return { status: 'error', message: 'unexpected fault', category: 'INTERNAL_ERROR' };
  }
}

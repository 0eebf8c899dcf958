import type { HubspotSandboxOptions } from '../types.js';
import type { ContactStore, StoredContact } from './contact-store.js';
import type { FaultInjector } from './faults.js';
import type { RateLimits } from './rate-limits.js';

/** Request counters behind `stats()` and `GET /__sandbox/stats`. */
export interface Stats {
  requests: number;
  byStatus: Record<string, number>;
  rateLimited: Record<string, number>;
  byRoute: Record<string, number>;
}

/** What the routes share: the data, the budgets, the faults, the counters and a clock. */
export interface HubspotContext {
  store: ContactStore;
  limits: RateLimits;
  faults: FaultInjector;
  stats: Stats;
  token: string;
  /** This portal's id (account-info, error payloads, rate-limit group names); kept with the state folder. */
  portalId: number;
  /** What the token may do with account-info (a token without its scope, or a proxy that lacks the route). */
  accountInfo: NonNullable<HubspotSandboxOptions['accountInfo']>;
  /** Base URL the server listens on (for Location headers and paging links). */
  baseUrl(): string;
  /** Wall clock in ms; one place so every timestamp of a request agrees. */
  now(): number;
  /** Clears data and counters (and persists the empty state). */
  reset(): Promise<void>;
}

export function emptyStats(): Stats {
  return { requests: 0, byStatus: {}, rateLimited: {}, byRoute: {} };
}

export function bump(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

/** The properties to show: all stored values (write answers) or the named ones, null when empty (reads). */
export type PropertySelection = 'all' | string[];

/**
 * A contact in the spec's `SimplePublicObject` shape. Unknown names in a read's property list are ignored, as the
 * spec says; known but empty ones come back as null (D-GUIDE), which the spec's `{type: string}` does not allow.
 */
export function present(
  store: ContactStore,
  contact: StoredContact,
  selection: PropertySelection,
  extra: { withHistory?: string[]; objectWriteTraceId?: string; isNew?: boolean } = {},
): Record<string, unknown> {
  let properties: Record<string, string | null>;
  if (selection === 'all') {
    properties = { ...contact.properties };
  } else {
    properties = {};
    for (const name of selection) if (store.property(name)) properties[name] = contact.properties[name] ?? null;
  }
  const result: Record<string, unknown> = { id: contact.id, properties };
  if (extra.withHistory) {
    const history: Record<string, unknown[]> = {};
    for (const name of extra.withHistory) {
      const value = contact.properties[name];
      if (!store.property(name)) continue;
      history[name] =
        value === undefined ? [] : [{ value, timestamp: contact.updatedAt, sourceType: 'API', sourceId: 'sandbox' }];
    }
    result.propertiesWithHistory = history;
  }
  result.createdAt = contact.createdAt;
  result.updatedAt = contact.updatedAt;
  result.archived = contact.archived;
  if (contact.archivedAt) result.archivedAt = contact.archivedAt;
  if (extra.isNew !== undefined) result.new = extra.isNew;
  if (extra.objectWriteTraceId !== undefined) result.objectWriteTraceId = extra.objectWriteTraceId;
  return result;
}

/** `properties` as a query parameter: comma-separated, repeated, or both. */
export function listParam(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
  const names = parts.map((p) => p.trim()).filter((p) => p !== '');
  return names.length > 0 ? names : undefined;
}

/** Timestamps the way HubSpot writes them. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

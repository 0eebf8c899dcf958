import { join } from 'node:path';
import { StatePersister } from '../shared/state-persister.js';
import { listen } from '../shared/listen.js';
import type { HubspotFaults, HubspotSandbox, HubspotSandboxOptions } from '../types.js';
import { newPortalId } from './account.js';
import { statsOf } from './admin-routes.js';
import { ContactStore } from './contact-store.js';
import { emptyStats, type HubspotContext } from './context.js';
import { FaultInjector, type SandboxFaults } from './faults.js';
import { STATE_FILE, loadState, type HubspotState } from './persistence.js';
import { RateLimits, parseRate } from './rate-limits.js';
import { buildServer } from './server.js';

export type { SandboxFaults } from './faults.js';
export type { AccountInfoAccess } from './account.js';
export { STATE_FILE } from './persistence.js';

/** The private-app token the sandbox accepts unless `token` is given. */
export const DEFAULT_HUBSPOT_TOKEN = 'pat-sandbox-0000';

/**
 * Starts a local stand-in of HubSpot's CRM v3 contacts, contact search and contact properties APIs, with HubSpot's
 * auth, rate limits (rolling burst window, daily budget, search's own limit), error bodies, seeded fault injection
 * and optional persistence in `stateDir`, plus account-info (`GET /account-info/v3/details`) naming the portal: one
 * random, stable portal id per state folder (per server without one), `portalId` on the handle. Admin routes under `/__sandbox/` (no auth) expose contacts, stats, reset
 * and faults.
 *
 * @example
 * const hubspot = await startHubspotSandbox({ rate: '5/1s', stateDir: '.etl/sandbox/hubspot' });
 * await fetch(`${hubspot.baseUrl}/crm/v3/objects/contacts`, { headers: { authorization: `Bearer ${hubspot.token}` } });
 * await hubspot.close();
 */
export async function startHubspotSandbox(options: HubspotSandboxOptions = {}): Promise<HubspotSandbox> {
  const { max, windowMs } = parseRate(options.rate ?? '100/10s');
  const dailyLimit = options.dailyLimit ?? 250_000;
  if (!Number.isInteger(dailyLimit) || dailyLimit < 1) {
    throw new Error(
      `Invalid HubSpot sandbox dailyLimit ${String(options.dailyLimit)}: use a positive integer such as 250000.`,
    );
  }
  const token = options.token ?? DEFAULT_HUBSPOT_TOKEN;
  const store = new ContactStore();
  const limits = new RateLimits(max, windowMs, dailyLimit);
  const faults = new FaultInjector(options.faults, Date.now());
  const stats = emptyStats();

  // One portal per state folder (a second folder is a second HubSpot account), one per server in memory.
  let portalId = newPortalId();
  let persister: StatePersister<HubspotState> | undefined;
  if (options.stateDir) {
    const file = join(options.stateDir, STATE_FILE);
    const state = await loadState(file);
    if (state) {
      store.restore(state);
      limits.restoreDaily(state.daily, Date.now());
    }
    if (state?.portalId !== undefined) portalId = state.portalId;
    const snapshot = (): HubspotState => ({ version: 1, portalId, ...store.snapshot(), daily: limits.dailyState() });
    persister = new StatePersister(file, snapshot, 'contacts', () => `${store.version}:${limits.dailyState().count}`);
    // Written now, so the folder is this portal from its first use even if the server stops before any change.
    if (state?.portalId === undefined) await persister.flush(true);
  }
  store.portalId = portalId;

  let baseUrl = '';
  const ctx: HubspotContext = {
    store,
    limits,
    faults,
    stats,
    token,
    portalId,
    accountInfo: options.accountInfo ?? 'granted',
    baseUrl: () => baseUrl,
    now: () => Date.now(),
    async reset() {
      store.clear();
      limits.reset();
      faults.earlyRetriesAfterLock = 0;
      Object.assign(stats, emptyStats());
      await persister?.flush(true);
    },
  };
  const setFaults = (next: HubspotFaults | SandboxFaults) => faults.set(next, Date.now());
  const app = buildServer(ctx, setFaults, () => persister?.schedule());
  baseUrl = await listen(app, { host: options.host, port: options.port });

  return {
    baseUrl,
    token,
    portalId,
    setFaults,
    contacts: () =>
      store.all().map((c) => ({
        id: c.id,
        properties: { ...c.properties },
        createdAt: c.createdAt,
        updatedAt: c.updatedAt,
        archived: c.archived,
      })),
    stats: () => statsOf(ctx),
    reset: () => ctx.reset(),
    async close() {
      await app.close();
      await persister?.flush();
    },
  };
}

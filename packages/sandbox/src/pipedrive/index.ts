import { join } from 'node:path';
import { StatePersister } from '../shared/state-persister.js';
// The HubSpot stand-in's seeded injector: this one uses only its errorRate, latencyMs, dropRate and seed.
import { FaultInjector } from '../hubspot/faults.js';
import { listen } from '../shared/listen.js';
import type { PipedriveSandbox, PipedriveSandboxOptions } from '../types.js';
import { personOf, statsOf } from './admin-routes.js';
import { SandboxClock } from './clock.js';
import { emptyStats, type PipedriveContext } from './context.js';
import { Limits, PLAN_BURST, defaultDailyTokens } from './limits.js';
import { PIPEDRIVE_STATE_FILE, loadState, type PipedriveState } from './persistence.js';
import { ALL_SCOPES } from './route-table.js';
import { buildServer } from './server.js';
import { PersonStore } from './store.js';
import { newCompany } from './users-routes.js';

export { PIPEDRIVE_STATE_FILE } from './persistence.js';
export { ROUTE_RULES } from './route-table.js';

/** The tokens the sandbox accepts unless others are given. */
export const DEFAULT_PIPEDRIVE_API_TOKEN = 'pd-sandbox-api-token-0000';
export const DEFAULT_PIPEDRIVE_OAUTH_TOKEN = 'pd-sandbox-oauth-token-0000';

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`Invalid Pipedrive sandbox ${name} ${String(value)}: use a positive integer.`);
  return n;
}

/**
 * Starts a local stand-in of Pipedrive's API v2 persons, person search and person fields (plus v1 `users/me` naming the
 * company), with both kinds of auth and scopes, the burst limits per token (search's own), the daily token budget
 * charged by each route's `x-token-cost`, their headers and 429 bodies, a clock a test can move to the next day, and
 * optional persistence in `stateDir`. Admin routes under `/__sandbox/` (no auth) expose persons, stats, reset, faults.
 *
 * @example
 * const pd = await startPipedriveSandbox({ dailyTokens: 100, stateDir: '.etl/sandbox/pipedrive' });
 * await fetch(`${pd.baseUrl}/api/v2/persons`, { headers: { 'x-api-token': pd.token } });
 * pd.advanceDay(); // the budget starts over
 * await pd.close();
 */
export async function startPipedriveSandbox(options: PipedriveSandboxOptions = {}): Promise<PipedriveSandbox> {
  const plan = options.plan ?? 'advanced';
  if (!PLAN_BURST[plan])
    throw new Error(
      `Invalid Pipedrive sandbox plan "${String(plan)}": use one of ${Object.keys(PLAN_BURST).join(', ')}.`,
    );
  const burst =
    options.burst === undefined
      ? PLAN_BURST[plan]
      : { api_token: positiveInt('burst', options.burst, 1), oauth: options.burst };
  const limits = new Limits({
    burst,
    searchBurst: positiveInt('searchBurst', options.searchBurst, 10),
    dailyTokens: positiveInt('dailyTokens', options.dailyTokens, defaultDailyTokens(plan)),
  });
  const clock = new SandboxClock(options.now);
  const store = new PersonStore();
  const faults = new FaultInjector(options.faults, clock.now());
  const stats = emptyStats();

  // One company per state folder (a second folder is a second Pipedrive company), one per server in memory.
  let company = newCompany();
  let persister: StatePersister<PipedriveState> | undefined;
  if (options.stateDir) {
    const file = join(options.stateDir, PIPEDRIVE_STATE_FILE);
    const state = await loadState(file);
    if (state) {
      company = state.company;
      store.restore(state);
      clock.shiftMs = options.now ? 0 : (state.clockShiftMs ?? 0);
      limits.restoreDaily(state.daily, clock.now());
    }
    const snapshot = (): PipedriveState => ({
      version: 1,
      company,
      daily: limits.dailyState(clock.now()),
      clockShiftMs: clock.shiftMs,
      ...store.snapshot(),
    });
    const mark = () => `${store.version}:${limits.dailyState(clock.now()).spent}:${clock.shiftMs}`;
    persister = new StatePersister(file, snapshot, 'persons', mark);
    // Written now, so the folder is this company from its first use even if the server stops before any change.
    if (!state) await persister.flush(true);
  }

  const ctx: PipedriveContext = {
    store,
    limits,
    faults,
    stats,
    clock,
    company,
    token: options.token ?? DEFAULT_PIPEDRIVE_API_TOKEN,
    oauthToken: options.oauthToken ?? DEFAULT_PIPEDRIVE_OAUTH_TOKEN,
    scopes: new Set(options.scopes ?? ALL_SCOPES),
    async reset() {
      store.clear();
      limits.reset();
      Object.assign(stats, emptyStats());
      await persister?.flush(true);
    },
  };
  const app = buildServer(ctx, () => persister?.schedule());
  const baseUrl = await listen(app, { host: options.host, port: options.port });

  return {
    baseUrl,
    token: ctx.token,
    oauthToken: ctx.oauthToken,
    companyId: company.companyId,
    persons: () => store.all().map(personOf),
    stats: () => statsOf(ctx),
    setClock(time) {
      clock.set(time);
      persister?.schedule();
    },
    advanceDay(plusMs) {
      clock.advanceDay(plusMs);
      persister?.schedule();
    },
    now: () => clock.now(),
    setFaults: (next) => faults.set(next, clock.now()),
    reset: () => ctx.reset(),
    async close() {
      await app.close();
      await persister?.flush();
    },
  };
}

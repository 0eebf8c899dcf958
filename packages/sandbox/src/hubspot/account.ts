/**
 * The account-information API (`GET /account-info/v3/details`): which portal (HubSpot account) a token belongs to.
 * Sinks use the portal id as the identity of the place they write to, so each stand-in is its own portal: a random id
 * chosen the first time a state folder is used and kept with its state, or one per server when held in memory.
 */
import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { HubspotContext } from './context.js';
import { HubspotApiError, errorBody, notFoundError } from './errors.js';

/**
 * What the token may do with account-info: `granted` answers the details; `missing-scope` answers 403 MISSING_SCOPES
 * as HubSpot does for a token without the scope; `not-found` answers 404 like a proxy or an API without the route.
 */
export type AccountInfoAccess = 'granted' | 'missing-scope' | 'not-found';

export const ACCOUNT_INFO_PATH = '/account-info/v3/details';
/** The scope the docs list for this endpoint. */
const REQUIRED_SCOPE = 'oauth';

/** A portal id like HubSpot's: 8–9 digits, within the spec's int32. */
export function newPortalId(): number {
  return randomInt(10_000_000, 999_999_999);
}

/**
 * The documented response (`accountType`, `additionalCurrencies`, `companyCurrency`, `dataHostingLocation`, `portalId`,
 * `timeZone`, `uiDomain`, `utcOffset`, `utcOffsetMilliseconds`, all required). The stand-in's day resets at midnight
 * UTC (rate-limits.ts), so its portal's time zone is UTC.
 */
export function accountDetails(portalId: number): Record<string, unknown> {
  return {
    portalId,
    accountType: 'STANDARD',
    timeZone: 'UTC',
    companyCurrency: 'USD',
    additionalCurrencies: [],
    utcOffset: '+00:00',
    utcOffsetMilliseconds: 0,
    uiDomain: 'app.hubspot.com',
    dataHostingLocation: 'na1',
  };
}

/** 403 for a token without the scope, in the shape third parties recorded (`requiredGranularScopes` in errors[0]). */
export function missingScopesError(scopes: string[]): HubspotApiError {
  return new HubspotApiError(
    403,
    errorBody('MISSING_SCOPES', "This app hasn't been granted all required scopes to make this call.", {
      errors: [
        { message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: scopes } },
      ],
      links: { scopes: 'https://developers.hubspot.com/scopes' },
    }),
  );
}

/** The route; auth, rate limits and faults come from the server's request gate like every other route's. */
export function accountRoutes(app: FastifyInstance, ctx: HubspotContext): void {
  app.get(ACCOUNT_INFO_PATH, async () => {
    if (ctx.accountInfo === 'missing-scope') throw missingScopesError([REQUIRED_SCOPE]);
    if (ctx.accountInfo === 'not-found') throw notFoundError(`No route for GET ${ACCOUNT_INFO_PATH}.`);
    return accountDetails(ctx.portalId);
  });
}

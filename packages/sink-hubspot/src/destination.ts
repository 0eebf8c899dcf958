/**
 * Which HubSpot this step writes to. The runtime keeps the ledger per destination, so the identity must change
 * whenever the portal (account) does: a new base URL, a token of another account, a second stand-in. The portal id
 * from account-info is that identity; a token that may not read it falls back to base URL + a salted hash of the token.
 */
import { EtlError, type Destination, type StepContext } from '@etl/core';
import { HubspotRequestError, type HubspotClient } from './client.js';
import type { HubspotConfig } from './config.js';

export const ACCOUNT_INFO_PATH = '/account-info/v3/details';

/** The part of account-info's answer used here. */
export interface AccountDetails {
  portalId?: unknown;
}

/** The base URL as it names a destination: no trailing slash, and never credentials someone put in the URL. */
export function displayBaseUrl(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/+$/, '');
  } catch {
    return baseUrl.replace(/\/+$/, '');
  }
}

/** A portal id as account-info gives it (an integer), or undefined. */
export function portalIdOf(details: AccountDetails | undefined): string | undefined {
  const id = details?.portalId;
  if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) return String(id);
  if (typeof id === 'string' && /^\d+$/.test(id)) return id;
  return undefined;
}

/**
 * Why account-info could not be read when the token itself is fine: 403 (no scope for it) or 404 (a proxy or an
 * API without the route). Undefined for anything else, which the caller rethrows (401 stays the usual fatal error).
 */
export function unreadableReason(error: unknown): string | undefined {
  if (error instanceof HubspotRequestError && error.status === 404)
    return 'account-info is not available at this base URL (404)';
  if (error instanceof EtlError && error.code === 'HUBSPOT_MISSING_SCOPES')
    return 'the access token may not read account-info (403)';
  return undefined;
}

/**
 * One GET of account-info through `client` (the step's limiter, retries, error mapping): the portal id, or why the
 * token may not read it. Other failures (401 first of all) propagate.
 */
export async function readPortal(client: HubspotClient): Promise<{ portalId: string } | { reason: string }> {
  try {
    const portalId = portalIdOf((await client.request<AccountDetails>('GET', ACCOUNT_INFO_PATH)).data);
    return portalId !== undefined ? { portalId } : { reason: 'account-info answered without a portalId' };
  } catch (error) {
    const reason = unreadableReason(error);
    if (reason === undefined) throw error;
    return { reason };
  }
}

/** The destination: `hubspot:portal:<id>`, else base URL + salted token hash with a note saying why. */
export async function identifyDestination(
  ctx: StepContext,
  config: HubspotConfig,
  client: HubspotClient,
): Promise<Destination> {
  const baseUrl = displayBaseUrl(config.baseUrl);
  const portal = await readPortal(client);
  if ('portalId' in portal)
    return { id: `hubspot:portal:${portal.portalId}`, label: `HubSpot portal ${portal.portalId} (${baseUrl})` };
  const { reason } = portal;
  // Salted, so the id (stored in the state folder, printed in logs) does not let anyone test guesses of the token.
  const tokenHash = ctx.hashSecret(config.accessToken);
  return {
    id: `hubspot:${baseUrl}:token:${tokenHash}`,
    label: `HubSpot at ${baseUrl} (token ${tokenHash})`,
    note:
      `The HubSpot portal id is unknown: ${reason}. The destination is named by the base URL and a salted hash of the ` +
      'access token instead, so switching to another token counts as a new destination (its ledger starts empty and ' +
      'every contact is sent again). Grant the private app access to account-info to name the portal itself.',
  };
}

/**
 * `@etl/sink-hubspot/runtime`: the pieces behind the plugin (axios client, upserter, properties, reconcile), for
 * tests and embedding. Importing this loads axios; the package's main entry does not.
 */
export { createClient } from './sink.js';
export { HubspotClient, HubspotRequestError, readRateLimitHeaders } from './client.js';
export { Upserter, upsertBody, readableMessage, readHeld, existingIdentities } from './upsert.js';
export { ensureProperties, propertyBody } from './properties.js';
export { identifyDestination, displayBaseUrl, ACCOUNT_INFO_PATH } from './destination.js';
export { reconcileLedger, heldHash } from './reconcile.js';

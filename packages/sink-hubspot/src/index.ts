/**
 * `@etl/sink-hubspot`: the `hubspot` sink plugin. `use: hubspot` in a pipeline resolves to this package's default
 * export, a factory called once per step.
 */
import { hubspotSink } from './sink.js';

export { hubspotSink, createClient } from './sink.js';
export { configSchema, withDefaults, parseDuration } from './config.js';
export type { HubspotConfig, HubspotTier, PropertyDefinition } from './config.js';
export { HubspotClient, HubspotRequestError, readRateLimitHeaders } from './client.js';
export type { HubspotClientOptions, HubspotErrorBody, RateLimitHeaders } from './client.js';
export { createHubspotLimiter, DailyBudget, TIERS, rateFromConfig } from './rate.js';
export type { RateSpec } from './rate.js';
export { hashRecord as hashProperties, createLedger } from '@etl/core';
export type { Ledger } from '@etl/core';
export { Upserter, upsertBody, readableMessage } from './upsert.js';
export type { UpsertInput, UpsertOutcome } from './upsert.js';
export { ensureProperties, propertyBody } from './properties.js';
export { identifyDestination, displayBaseUrl, ACCOUNT_INFO_PATH } from './destination.js';
export { reconcileLedger, heldHash } from './reconcile.js';
export { readHeld, existingIdentities } from './upsert.js';
export type { HeldContact } from './upsert.js';

export default hubspotSink;

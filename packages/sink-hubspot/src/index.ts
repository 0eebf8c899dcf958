/**
 * `@etl/sink-hubspot`: the `hubspot` sink plugin. `use: hubspot` in a pipeline resolves to this package's default
 * export, a factory called once per step. This entry loads no HTTP stack (see plugin.ts); the client, upserter and
 * the other runtime pieces are exported from `@etl/sink-hubspot/runtime`.
 */
import { hubspotSink } from './plugin.js';

export { hubspotSink };
export { configSchema } from './config.js';
export type { HubspotConfig, HubspotConfigInput, HubspotTier, PropertyDefinition } from './config.js';
export type { HubspotClientOptions, HubspotErrorBody, RateLimitHeaders } from './client.js';
export { createHubspotLimiter, DailyBudget, TIERS, rateFromConfig } from './rate.js';
export type { RateSpec } from './rate.js';
export { hashRecord as hashProperties, createLedger } from '@etl/core';
export type { Ledger } from '@etl/core';
export type { UpsertInput, UpsertOutcome, HeldContact } from './upsert.js';

export default hubspotSink;

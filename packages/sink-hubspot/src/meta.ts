/**
 * What the `hubspot` sink is without loading its HTTP stack: name, schema, batch size, default rate and config check.
 * The light entry (`plugin.ts`) and the sink itself (`sink.ts`) both spread it, so they cannot disagree.
 */
import { checkHubspotConfig } from './check-config.js';
import { configSchema, type HubspotConfig } from './config.js';
import { rateFromConfig, WINDOW_MARGIN } from './rate.js';

export const hubspotMeta = {
  name: 'hubspot',
  description:
    'Upserts HubSpot CRM contacts in batches of 100 by email (or another unique property), sending only what changed.',
  configSchema,
  batchSize: (config: HubspotConfig) => config.inputsPerRequest * 10,
  /** The account's rate (tier or `rate:`), unless the step names a shared `limiter:`. */
  rateLimit: (config: HubspotConfig) => ({
    ...rateFromConfig(config),
    maxConcurrent: config.concurrency,
    margin: WINDOW_MARGIN,
  }),
  checkConfig: checkHubspotConfig,
};

/**
 * `@etl/sink-pipedrive`: the `pipedrive` sink plugin. `use: pipedrive` resolves to the default export, a factory
 * called once per step. axios loads with the first request, not with this module.
 */
import { pipedriveSink } from './sink.js';

export { pipedriveSink };
export { configSchema } from './config.js';
export type { PipedriveConfig, PipedriveConfigInput, PipedrivePlan, FieldDefinition } from './config.js';
export { COST, PLAN_BURST, rateLimitOf } from './limits.js';

export default pipedriveSink;

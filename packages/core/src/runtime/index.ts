/** The streaming runtime: runs resolved pipelines, checks them, and the pieces test kits build on. */
export { runPipeline, DEFAULT_SINK_BATCH_SIZE } from './run-pipeline.js';
export { DEFAULT_SOURCE_BATCH_SIZE, defaultLimiterKey, type LineageBinding } from './context.js';
export type { LineageIdentity, LineageRecord } from './lineage.js';
export { checkPipeline, type StepCheckResult } from './check-pipeline.js';
export { migratePipeline, type StepMigration } from './migrate-pipeline.js';
export { createStepContext, newStats, type StepStats, type ContextDeps } from './context.js';
export { assertPluginShape, wrapError, type ErrorSite } from './invoke.js';
export type { RuntimeCheckpoint } from './flow.js';
export { checkInvariants } from './invariants.js';
export {
  pipelineFingerprint,
  stepFingerprints,
  readUpToDate,
  upToDateMessage,
  type UpToDateRecord,
  type SecretHasher,
} from './up-to-date.js';

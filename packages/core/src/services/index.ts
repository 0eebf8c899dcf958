/** Shared services: logging with redaction, retries, rate limits, checkpoints, sink ledgers and run history. */
export { createLogger, type LoggerOptions, type RootLogger } from './logger.js';
export { redactSecrets, createRedactor, SECRET_MASK } from './redact.js';
export {
  createRetryService,
  abortableSleep,
  RETRY_DEFAULTS,
  type RetryRunOptions,
  type RetryServiceOptions,
  type ConfigurableRetryService,
} from './retry.js';
export { createRateLimiter, type RateLimiterOptions, type ManagedRateLimiter, type DailyUsage } from './rate-limit.js';
export { projectSalt, hashSecret, hashWithSalt } from './salt.js';
export { createLedger, hashRecord, type Ledger, type LedgerEntry, type LedgerOptions } from './ledger.js';
export { acquireLock, processStartTime, type HeldLock } from './lock.js';
export {
  openCheckpointStore,
  type CheckpointStore,
  type CheckpointStoreOptions,
  type CommitOptions,
} from './checkpoint.js';
export {
  createRunFolder,
  writeRunSummary,
  listRuns,
  readRun,
  newRunId,
  pipelineStateDir,
  runsDir,
  createRejectsWriter,
  type RunFolder,
  type RunRecord,
  type RejectsWriter,
} from './run-history.js';
export {
  createProgressTracker,
  readRunProgress,
  writeRunProgress,
  PROGRESS_FILE,
  type ProgressTracker,
  type ProgressTrackerOptions,
  type RunProgress,
  type ProgressSample,
  type ProgressCounts,
} from './run-progress.js';
export {
  folderRunHistory,
  mergedRunHistory,
  type RunHistoryStore,
  type RunStartRecord,
} from './run-history-store.js';
export type { SharedStateStore, SharedPipelineOptions } from './shared-state.js';
export type { StateBackend, StateChanges } from './state-backend.js';
export { baseUrlProblem, checkBaseUrl, insecureUrlReason, isLoopbackHost } from './transport.js';

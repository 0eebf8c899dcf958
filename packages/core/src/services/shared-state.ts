/**
 * A state store shared by every process and host that points at it (`ETL_STATE_URL=mysql://…`): committed step
 * state, checkpoints, the pipeline lock and run history in one database. Core only defines the contract; the store
 * itself is a companion package (@etl/state-mysql), so core depends on no database driver. The CLI opens it and hands
 * it to `runPipeline` (`RunOptions.stateStore`); without one, state stays in the embedded default (the state folder).
 */
import type { RunHistoryStore } from './run-history-store.js';
import type { StateBackend } from './state-backend.js';

export interface SharedPipelineOptions {
  /** Only read (`etl check`): no lock is taken, and commits are refused. */
  readOnly: boolean;
  /** Take the pipeline's lock for as long as the backend is open (one active run per pipeline). */
  lock: boolean;
}

export interface SharedStateStore {
  /** Where it lives, without credentials (`mysql://host:3306/db`), for messages. */
  readonly label: string;
  /**
   * A pipeline's committed state. With `lock`, holds the pipeline's lock until `close()` (or until the process
   * dies); throws `FatalError` `PIPELINE_LOCKED` when a live run elsewhere holds it.
   */
  openPipeline(pipeline: string, options: SharedPipelineOptions): Promise<StateBackend>;
  /** Runs of every host using this store. */
  readonly runs: RunHistoryStore;
  /**
   * The salt for hashes of secrets (`ctx.hashSecret`), shared by every host using this store, instead of the state
   * folder's: a fingerprint or destination id hashed on one host must match on another.
   */
  salt(): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * A worker: takes runs from the queue, `concurrency` at a time, until stopped. BullMQ keeps a lock on each job it
 * runs and renews it while the process lives; when a worker dies (SIGKILL, a lost host) the lock expires and another
 * worker's stalled-job check puts the job back in the queue, where the next worker resumes the run from its
 * checkpoint. The lock and check intervals are seconds here (BullMQ's defaults are 30 s each).
 */
import { DelayedError, WaitingError, Worker, type Job } from 'bullmq';
import { RUN_QUEUE, type RedisTarget } from './connection.js';
import { connectionOf, reachable, type RunJobData, type RunJobResult } from './run-queue.js';

export interface RunWorkerOptions extends RedisTarget {
  /** Runs at once in this process. @default 1 */
  concurrency?: number;
  /**
   * Runs one job the way `etl run` does. `signal` aborts when the worker stops: the run checkpoints and resolves as
   * "interrupted". `code` is the error's code when the run failed (`PIPELINE_LOCKED`: another run holds the pipeline).
   */
  run(data: RunJobData, signal: AbortSignal, jobId: string): Promise<RunJobResult & { code?: string }>;
  /** How long a job's lock lasts unrenewed: a dead worker's job is free again this long after. @default 6000 */
  lockDurationMs?: number;
  /** How often each worker looks for jobs whose lock expired. @default 3000 */
  stalledIntervalMs?: number;
  /** Job lifecycle, for the worker's log. */
  onEvent?(event: WorkerEvent): void;
}

export type WorkerEvent =
  | { type: 'started'; jobId: string; data: RunJobData }
  | { type: 'finished'; jobId: string; result: RunJobResult }
  | { type: 'requeued'; jobId: string; reason: string }
  | { type: 'failed'; jobId: string; message: string }
  | { type: 'error'; message: string };

export interface RunWorker {
  /** Stops taking runs, interrupts the running ones (each checkpoints and goes back to the queue), then disconnects. */
  stop(): Promise<void>;
}

/**
 * A run blocked by the pipeline lock (another run of the same pipeline in this state folder) is tried again after 2 s,
 * then twice as long each time up to a minute: each try leaves a failed run in `etl runs`.
 */
const lockedRetryMs = (tries: number) => Math.min(60_000, 2000 * 2 ** tries);
/** A run may be killed more often than once (each time it resumes); after this many, the job fails. */
const MAX_STALLED = 10;

export async function startRunWorker(options: RunWorkerOptions): Promise<RunWorker> {
  const active = new Set<AbortController>();
  const lockedTries = new Map<string, number>();
  let stopping = false;
  const emit = (event: WorkerEvent) => options.onEvent?.(event);

  const processor = async (job: Job<RunJobData, RunJobResult>, token?: string): Promise<RunJobResult> => {
    const jobId = job.id ?? '?';
    const controller = new AbortController();
    active.add(controller);
    emit({ type: 'started', jobId, data: job.data });
    try {
      const result = await options.run(job.data, controller.signal, jobId);
      if (result.status === 'interrupted' && stopping) {
        // Stopped by this worker's own SIGTERM: the checkpoint is committed, the next worker resumes the run.
        await job.moveToWait(token);
        emit({ type: 'requeued', jobId, reason: 'the worker stopped; the run was checkpointed' });
        throw new WaitingError();
      }
      if (result.code === 'PIPELINE_LOCKED' && !stopping) {
        const tries = lockedTries.get(jobId) ?? 0;
        lockedTries.set(jobId, tries + 1);
        await job.moveToDelayed(Date.now() + lockedRetryMs(tries), token);
        emit({ type: 'requeued', jobId, reason: 'another run holds the pipeline' });
        throw new DelayedError();
      }
      lockedTries.delete(jobId);
      const { code: _code, ...reported } = result;
      emit({ type: 'finished', jobId, result: reported });
      return reported;
    } finally {
      active.delete(controller);
    }
  };

  const lockDuration = options.lockDurationMs ?? 6000;
  const worker = new Worker<RunJobData, RunJobResult>(RUN_QUEUE, processor, {
    connection: connectionOf(options),
    prefix: options.prefix,
    concurrency: Math.max(1, options.concurrency ?? 1),
    lockDuration,
    stalledInterval: options.stalledIntervalMs ?? lockDuration / 2,
    maxStalledCount: MAX_STALLED,
    autorun: false,
  });
  worker.on('failed', (job, error) => {
    if (job && !(error instanceof WaitingError) && !(error instanceof DelayedError))
      emit({ type: 'failed', jobId: job.id ?? '?', message: error.message });
  });
  worker.on('error', (error) => emit({ type: 'error', message: error.message }));
  try {
    await reachable(worker.waitUntilReady(), options, 5000);
  } catch (error) {
    await worker.close(true).catch(() => undefined);
    throw error;
  }
  worker.run().catch((error: Error) => emit({ type: 'error', message: error.message }));

  return {
    async stop() {
      stopping = true;
      for (const controller of active) controller.abort('SIGTERM');
      await worker.close();
    },
  };
}

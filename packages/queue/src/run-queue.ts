/** The queue of runs: what `etl enqueue` adds, `etl schedule` repeats and `etl worker` takes (BullMQ on Redis). */
import { FatalError } from '@etl/core';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { RUN_QUEUE, safeUrl, type RedisTarget } from './connection.js';

/** A run as `etl run <pipeline> --profile P --set k=v…` would start it, in the worker's project folder. */
export interface RunJobData {
  pipeline: string;
  profile?: string;
  sets?: string[];
}

/** How a run ended, as the worker reports it (and `enqueue --wait` exits with `exitCode`). */
export interface RunJobResult {
  pipeline: string;
  /** Absent when the run never started (its pipeline did not load). */
  runId?: string;
  status: 'succeeded' | 'failed' | 'interrupted' | 'not-started';
  upToDate?: boolean;
  exitCode: number;
  message?: string;
}

export interface ScheduleInfo {
  id: string;
  cron?: string;
  tz?: string;
  next?: number;
  data: RunJobData;
}

/** Finished jobs are kept a week (or the last 1,000), so `enqueue --wait` and a look in Redis still find them. */
const KEEP = { age: 7 * 24 * 3600, count: 1000 };

export const connectionOf = (target: RedisTarget) => ({ url: target.url, maxRetriesPerRequest: null });

export class RunQueue {
  readonly queue: Queue<RunJobData, RunJobResult>;

  constructor(readonly target: RedisTarget) {
    this.queue = new Queue<RunJobData, RunJobResult>(RUN_QUEUE, {
      connection: connectionOf(target),
      prefix: target.prefix,
      defaultJobOptions: { removeOnComplete: KEEP, removeOnFail: KEEP },
    });
    // Connection errors reach the caller through `ready()` and the failed command; the event would print them again.
    this.queue.on('error', () => undefined);
  }

  /** Resolves once Redis answers; a FatalError naming the URL (never its password) when it does not in time. */
  async ready(timeoutMs = 5000): Promise<this> {
    await reachable(this.queue.waitUntilReady(), this.target, timeoutMs);
    return this;
  }

  async enqueue(data: RunJobData): Promise<Job<RunJobData, RunJobResult>> {
    return this.queue.add('run', clean(data));
  }

  /** Adds the run and resolves with its result once a worker finished it (however many workers it took). */
  async enqueueAndWait(data: RunJobData, onAdded?: (job: Job) => void): Promise<RunJobResult> {
    // Listening before adding: a run that ends at once cannot slip by unseen.
    const events = new QueueEvents(RUN_QUEUE, { connection: connectionOf(this.target), prefix: this.target.prefix });
    events.on('error', () => undefined);
    try {
      await events.waitUntilReady();
      const job = await this.enqueue(data);
      onAdded?.(job);
      try {
        return await job.waitUntilFinished(events);
      } catch (error) {
        // Only a job the worker could not even report on fails (it stalled too often, or a bug in etl).
        return { pipeline: data.pipeline, status: 'failed', exitCode: 1, message: (error as Error).message };
      }
    } finally {
      await events.close();
    }
  }

  async addSchedule(id: string, cron: string, data: RunJobData, tz?: string): Promise<ScheduleInfo> {
    const next = await this.queue.upsertJobScheduler(
      id,
      { pattern: cron, ...(tz ? { tz } : {}) },
      { name: 'run', data: clean(data), opts: { removeOnComplete: KEEP, removeOnFail: KEEP } },
    );
    return { id, cron, tz, next: next ? next.timestamp + (next.delay ?? 0) : undefined, data: clean(data) };
  }

  async listSchedules(): Promise<ScheduleInfo[]> {
    const all = await this.queue.getJobSchedulers(0, -1, true);
    return all.map((s) => ({
      id: s.key,
      cron: s.pattern,
      tz: s.tz,
      next: s.next,
      data: (s.template?.data ?? { pipeline: '?' }) as RunJobData,
    }));
  }

  /** Jobs by state, for the worker's metrics. */
  jobCounts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
  }

  /** Workers connected to the queue (Redis lists their connections by name), on every host. */
  workerCount(): Promise<number> {
    return this.queue.getWorkersCount();
  }

  removeSchedule(id: string): Promise<boolean> {
    return this.queue.removeJobScheduler(id);
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

/** Leaves empty options out, so a job reads like the command that would run it. */
const clean = (data: RunJobData): RunJobData => ({
  pipeline: data.pipeline,
  ...(data.profile ? { profile: data.profile } : {}),
  ...(data.sets?.length ? { sets: [...data.sets] } : {}),
});

/** Redis not answering is the user's to fix (start it, or set REDIS_URL): say so instead of retrying forever. */
export async function reachable<T>(work: Promise<T>, target: RedisTarget, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (error) {
    throw new FatalError(`Cannot reach Redis at ${safeUrl(target.url)}: ${(error as Error).message}`, {
      code: 'REDIS_UNREACHABLE',
      cause: error,
      suggestions: ['Start Redis (scripts/setup.sh starts one on 127.0.0.1:6379), or point REDIS_URL at yours.'],
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * @etl/queue: etl on several machines. Runs queued and scheduled through BullMQ on Redis (`RunQueue`), workers that
 * take them (`startRunWorker`), and rate-limit budgets shared by every process through Redis
 * (`createRedisLimiterStore`, the `redis` store of a limiter's `store:`).
 */
export { DEFAULT_PREFIX, DEFAULT_REDIS_URL, RUN_QUEUE, redisTarget, safeUrl, type RedisTarget } from './connection.js';
export { RunQueue, type RunJobData, type RunJobResult, type ScheduleInfo } from './run-queue.js';
export { startRunWorker, type RunWorker, type RunWorkerOptions, type WorkerEvent } from './worker.js';
export { createRedisLimiterStore, type RedisLimiterStore } from './limiter-store.js';

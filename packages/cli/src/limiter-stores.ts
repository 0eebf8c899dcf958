/**
 * The shared budgets a pipeline's limiters name (`store: redis`), opened only when one does: a run without them never
 * loads @etl/queue or connects to Redis.
 */
import type { ResolvedPipeline, RunOptions } from '@etl/core';
import { loadQueue } from './queue.js';

export interface LimiterStores {
  stores: RunOptions['limiterStores'];
  close(): Promise<void>;
}

const none: LimiterStores = { stores: undefined, close: async () => undefined };

export const needsRedis = (pipeline: ResolvedPipeline): boolean =>
  Object.values(pipeline.limiters ?? {}).some((spec) => spec.store === 'redis');

/** Connects to REDIS_URL (keys under ETL_REDIS_PREFIX) when a limiter of `pipeline` keeps its budget there. */
export async function openLimiterStores(pipeline: ResolvedPipeline): Promise<LimiterStores> {
  if (!needsRedis(pipeline)) return none;
  const { createRedisLimiterStore, redisTarget } = await loadQueue();
  const redis = createRedisLimiterStore(redisTarget());
  return { stores: { redis }, close: () => redis.close() };
}

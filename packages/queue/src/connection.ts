/** Where the queue and the shared limiters live: one place for the Redis URL, the key prefix and the queue's name. */

/** @default redis://127.0.0.1:6379 */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** BullMQ's key prefix and the limiters' (`<prefix>:limiter:<key>`). @default etl */
export const DEFAULT_PREFIX = 'etl';
/** The queue every `etl enqueue`, schedule and worker of one prefix shares. */
export const RUN_QUEUE = 'runs';

export interface RedisTarget {
  url: string;
  prefix: string;
}

/** `REDIS_URL` and `ETL_REDIS_PREFIX` (a prefix per team or test keeps queues and budgets apart), else defaults. */
export function redisTarget(env: NodeJS.ProcessEnv = process.env): RedisTarget {
  return { url: env.REDIS_URL || DEFAULT_REDIS_URL, prefix: env.ETL_REDIS_PREFIX || DEFAULT_PREFIX };
}

/** The URL without its password, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable REDIS_URL)';
  }
}

/**
 * Rate-limit budgets shared through Redis: a rolling log per key (a sorted set) and a daily count, taken atomically by
 * a Lua script on Redis's own clock, so every process on every host that names the key draws from one budget.
 *
 * Why not a library. Bottleneck's clustering (already a dependency) was tried against this Redis 7.0.15 with ioredis
 * (bench/bottleneck-cluster.cjs): its reservoir refresh is a fixed window (two limiters of one id at 100 per 10 s
 * started 160 requests within one rolling 10 s), and once its keys are gone (a Redis restart: Redis here keeps nothing
 * on disk) every call fails with `ERR SETTINGS_KEY_NOT_FOUND` (its issues #205/#219) until the limiter is rebuilt.
 * rate-limiter-flexible, the best kept of the Redis limiters, counts fixed windows by design. rolling-rate-limiter
 * keeps a rolling log but adds every attempt, blocked ones too (a waiting client pushes its own slot away), stamps
 * them with the client's clock, and has no weights or daily budget. HubSpot counts a true rolling window of arrivals,
 * so a request must hold its slot from its start until a window after its answer (it may arrive late): that needs the
 * check-and-take in one script, 30 lines of Lua.
 */
import { RetriableError, type SharedAcquire, type SharedLimiterStore } from '@etl/core';
import { Redis } from 'ioredis';
import { safeUrl } from './connection.js';

/**
 * KEYS: the rolling log, the daily counts (a hash by UTC day number). ARGV: max, windowMs, weight, in-flight hold (ms),
 * daily (0: none), then `weight` member ids. Returns {1, 0} when taken, {0, wait ms} when the window is full, and
 * {-1, reset time} when the day's budget is spent.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max, window, weight = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local hold, daily = tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n + weight > max then
  local e = redis.call('ZRANGE', KEYS[1], n + weight - max - 1, n + weight - max - 1, 'WITHSCORES')
  return {0, math.max(1, tonumber(e[2]) + window - now + 1)}
end
if daily > 0 then
  local day = math.floor(now / 86400000)
  local used = tonumber(redis.call('HGET', KEYS[2], day) or '0')
  if used + weight > daily then return {-1, (day + 1) * 86400000} end
  redis.call('HINCRBY', KEYS[2], day, weight)
  redis.call('PEXPIRE', KEYS[2], 2 * 86400000)
end
for i = 1, weight do redis.call('ZADD', KEYS[1], now + hold, ARGV[5 + i]) end
redis.call('PEXPIRE', KEYS[1], window + hold + 60000)
return {1, 0}
`;

/** Marks the members answered now: each then leaves the window a window later. */
const RELEASE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now, ARGV[i]) end
return 0
`;

/**
 * How long a request not yet answered holds its slot at most: a process killed mid-request never releases its slots,
 * and they must not block the budget for good. Longer than any request's timeout.
 */
const IN_FLIGHT_HOLD_MS = 120_000;
/** The longest pause between two tries while the window is full (a slot held in flight may be released any time). */
const MAX_POLL_MS = 100;

export interface RedisLimiterStore extends SharedLimiterStore {
  close(): Promise<void>;
}

type Limits = Redis & {
  etlTake(log: string, daily: string, ...args: Array<string | number>): Promise<[number, number]>;
  etlRelease(log: string, ...ids: string[]): Promise<number>;
};

/** A shared limiter store on the Redis at `url`, its keys under `<prefix>:limiter:<key>`. */
export function createRedisLimiterStore(options: { url: string; prefix: string }): RedisLimiterStore {
  const redis = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 3, connectTimeout: 5000 }) as Limits;
  // Connection errors reach the caller through the failed command (below); the event would only print them again.
  redis.on('error', () => undefined);
  redis.defineCommand('etlTake', { numberOfKeys: 2, lua: TAKE });
  redis.defineCommand('etlRelease', { numberOfKeys: 1, lua: RELEASE });
  let seq = 0;
  const tag = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  return {
    async acquire(request: SharedAcquire) {
      const base = `${options.prefix}:limiter:${request.key}`;
      const ids = Array.from({ length: request.weight }, () => `${tag}-${++seq}`);
      for (;;) {
        request.signal.throwIfAborted();
        const [status, value] = await redis
          .etlTake(
            `${base}:log`,
            `${base}:daily`,
            request.max,
            Math.ceil(request.windowMs),
            request.weight,
            IN_FLIGHT_HOLD_MS,
            request.daily ?? 0,
            ...ids,
          )
          .catch((error: Error) => {
            throw unreachable(options.url, error);
          });
        if (status === 1) {
          return { release: () => void redis.etlRelease(`${base}:log`, ...ids).catch(() => undefined) };
        }
        if (status === -1) return { dailyResetsAt: value };
        await abortableSleep(Math.min(value, MAX_POLL_MS), request.signal);
      }
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** Retriable: the run's retry waits and tries again, and a resumed run continues where it stopped. */
function unreachable(url: string, error: Error): RetriableError {
  return new RetriableError(`The shared rate limit at Redis ${safeUrl(url)} cannot be read: ${error.message}`, {
    code: 'REDIS_UNREACHABLE',
    cause: error,
    suggestions: ['Start Redis (scripts/setup.sh starts one on 127.0.0.1:6379), or point REDIS_URL at yours.'],
  });
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

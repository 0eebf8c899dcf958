/**
 * The Redis limiter store against the Redis on 127.0.0.1:6379 (REDIS_URL): several stores stand for several
 * processes. Each test uses its own key prefix.
 */
import { setMaxListeners } from 'node:events';
import { createRateLimiter, type LimiterSpec } from '@etl/core';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, test } from 'vitest';
import { createRedisLimiterStore, DEFAULT_REDIS_URL, type RedisLimiterStore } from '../src/index.js';

const url = process.env.REDIS_URL || DEFAULT_REDIS_URL;
const prefixes: string[] = [];
const stores: RedisLimiterStore[] = [];

function storesFor(n: number): { prefix: string; stores: RedisLimiterStore[] } {
  const prefix = `etl-test-limiter-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  prefixes.push(prefix);
  const made = Array.from({ length: n }, () => createRedisLimiterStore({ url, prefix }));
  stores.push(...made);
  return { prefix, stores: made };
}

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  const redis = new Redis(url);
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await redis.quit();
});

/** The most of `times` (sorted) inside any window of `windowMs`. */
function peak(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

const signal = new AbortController().signal;
setMaxListeners(0, signal); // one listener per waiting request, many at once here

describe('redis limiter store', () => {
  test('three processes together start at most max in any rolling window, and no slower than the window allows', async () => {
    const { stores: three } = storesFor(3);
    const starts: number[] = [];
    const t0 = Date.now();
    // 75 requests of 5 ms from three "processes" under one key: 20 per 500 ms.
    await Promise.all(
      Array.from({ length: 75 }, async (_, i) => {
        const grant = await three[i % 3].acquire({ key: 'portal-1', max: 20, windowMs: 500, weight: 1, signal });
        if (!('release' in grant)) throw new Error('no daily budget was set');
        starts.push(Date.now());
        await new Promise((r) => setTimeout(r, 5));
        grant.release();
      }),
    );
    const elapsed = Date.now() - t0;
    expect(peak(starts, 500)).toBeLessThanOrEqual(20);
    // 75 starts need three full windows after the first 20 (a rolling log, not a fixed window that would allow 40).
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(4000);
  });

  test('a slot is held while its request is in flight, and for a window after its answer', async () => {
    const {
      stores: [a, b],
    } = storesFor(2);
    const first = await a.acquire({ key: 'k', max: 1, windowMs: 200, weight: 1, signal });
    const t0 = Date.now();
    const second = b.acquire({ key: 'k', max: 1, windowMs: 200, weight: 1, signal });
    await new Promise((r) => setTimeout(r, 400)); // longer than the window: still in flight, so still counted
    if ('release' in first) first.release();
    const answeredAt = Date.now();
    await second;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(180);
  });

  test('the daily budget is shared and says when it resets', async () => {
    const {
      stores: [a, b],
    } = storesFor(2);
    const take = (s: RedisLimiterStore) =>
      s.acquire({ key: 'd', max: 100, windowMs: 1000, daily: 3, weight: 1, signal });
    const grants = [await take(a), await take(b), await take(a), await take(b)];
    expect(grants.slice(0, 3).every((g) => 'release' in g)).toBe(true);
    const spent = grants[3] as { dailyResetsAt: number };
    expect(spent.dailyResetsAt % 86_400_000).toBe(0);
    expect(spent.dailyResetsAt).toBeGreaterThan(Date.now());
  });

  test('core limiters of three processes sharing the store stay under the rolling limit; a spent day is an error', async () => {
    const { stores: three } = storesFor(3);
    const spec: LimiterSpec = { max: 10, intervalMs: 300, maxConcurrent: 4, daily: 45, store: 'redis' };
    const limiters = three.map((store) => createRateLimiter('hubspot', spec, { shared: { store, key: 'portal' } }));
    const starts: number[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: 48 }, (_, i) =>
        limiters[i % 3].schedule(async () => {
          starts.push(Date.now());
        }),
      ),
    );
    await Promise.all(limiters.map((l) => l.stop()));
    expect(starts.length).toBe(45);
    expect(peak(starts, 300)).toBeLessThanOrEqual(10);
    const errors = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(errors.map((e) => e.code)).toEqual(['DAILY_BUDGET_SPENT', 'DAILY_BUDGET_SPENT', 'DAILY_BUDGET_SPENT']);
  });

  test('an unreachable Redis is a retriable error that names the URL without its password', async () => {
    const store = createRedisLimiterStore({ url: 'redis://:hunter2@127.0.0.1:1', prefix: 'x' });
    stores.push(store);
    const error = await store.acquire({ key: 'k', max: 1, windowMs: 100, weight: 1, signal }).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message: string; retriable?: boolean },
    );
    expect(error?.code).toBe('REDIS_UNREACHABLE');
    expect(error?.retriable).toBe(true);
    expect(error?.message).toContain('127.0.0.1:1');
    expect(error?.message).not.toContain('hunter2');
  });
});

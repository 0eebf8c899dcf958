import { describe, expect, test } from 'vitest';
import { RetriesExhaustedError, createRateLimiter } from '@etl/core';

/** Largest number of starts in any rolling window of `windowMs` (half-open, as a remote counts them). */
const maxInWindow = (starts: number[], windowMs: number): number => {
  let best = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[i] - starts[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
};

describe('rate limiter', () => {
  test('20 per second over ~3 s: never more than 20 in any rolling second, and at least 95% of the allowed rate', async () => {
    const limiter = createRateLimiter('test', { max: 20, intervalMs: 1000, maxConcurrent: 4 });
    const starts: number[] = [];
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < 100; i++) {
      jobs.push(
        limiter
          .schedule(async () => {
            starts.push(Date.now());
            await new Promise((r) => setTimeout(r, 5));
          })
          .catch(() => undefined), // jobs still queued when the limiter stops are dropped
      );
    }
    await new Promise((r) => setTimeout(r, 3300));
    await limiter.stop();
    await Promise.all(jobs);
    starts.sort((a, b) => a - b);
    expect(maxInWindow(starts, 1000)).toBeLessThanOrEqual(20);
    // A remote enforcing 20 per rolling second admits at most 60 starts in any 3 s; we must get at least 95% of that.
    const inFirst3s = starts.filter((t) => t - starts[0] < 3000).length;
    expect(inFirst3s).toBeGreaterThanOrEqual(57);
  }, 30_000);

  test('observe({ pauseMs }) pauses every start for that long', async () => {
    const limiter = createRateLimiter('pause', { max: 100, intervalMs: 1000 });
    await limiter.schedule(async () => undefined);
    limiter.observe({ pauseMs: 300 });
    const t = Date.now();
    await limiter.schedule(async () => undefined);
    expect(Date.now() - t).toBeGreaterThanOrEqual(280);
    await limiter.stop();
  });

  test('maxConcurrent caps work in flight', async () => {
    const limiter = createRateLimiter('conc', { max: 1000, intervalMs: 1000, maxConcurrent: 2 });
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        limiter.schedule(async () => {
          peak = Math.max(peak, ++inFlight);
          await new Promise((r) => setTimeout(r, 20));
          inFlight--;
        }),
      ),
    );
    await limiter.stop();
    expect(peak).toBe(2);
  });

  test('a spent daily budget stops with RetriesExhaustedError saying when it resets', async () => {
    const limiter = createRateLimiter('daily', { max: 1000, intervalMs: 1000, daily: 3 });
    for (let i = 0; i < 3; i++) await limiter.schedule(async () => i);
    const error = await limiter.schedule(async () => 4).catch((e: unknown) => e);
    await limiter.stop();
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).code).toBe('DAILY_BUDGET_SPENT');
    expect((error as Error).message).toMatch(/resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/);
  });

  test('observe() with nothing remaining waits for a remote slot to free up', async () => {
    const limiter = createRateLimiter('remote', { max: 1000, intervalMs: 1000 });
    await limiter.schedule(async () => undefined);
    limiter.observe({ remaining: 0, max: 5, intervalMs: 1000 });
    const t = Date.now();
    await limiter.schedule(async () => undefined);
    expect(Date.now() - t).toBeGreaterThanOrEqual(180); // one of 5 slots per second
    await limiter.stop();
  });
});

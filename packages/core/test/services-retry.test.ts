import { describe, expect, test } from 'vitest';
import { FatalError, RetriableError, RetriesExhaustedError, createRetryService } from '@etl/core';
import { createFakeClock } from '@etl/testing';

const failing = (times: number, make: () => Error = () => new RetriableError('busy')) => {
  let calls = 0;
  const work = async (attempt: number) => {
    calls++;
    if (attempt <= times) throw make();
    return `ok after ${attempt}`;
  };
  return { work, calls: () => calls };
};

describe('retry service', () => {
  test('full jitter: each wait is within [0, min(cap, base * 2^n)]', async () => {
    for (const r of [0, 0.5, 0.999]) {
      const clock = createFakeClock();
      const retry = createRetryService({ now: clock.now, sleep: clock.sleep, random: () => r });
      const { work } = failing(5);
      await expect(retry.run(work, { attempts: 6, baseDelayMs: 100, maxDelayMs: 1000 })).resolves.toBe('ok after 6');
      const ceilings = [100, 200, 400, 800, 1000];
      expect(clock.sleeps).toEqual(ceilings.map((c) => Math.floor(r * c)));
    }
  });

  test("never waits less than the error's retryAfterMs", async () => {
    const clock = createFakeClock();
    const retry = createRetryService({ now: clock.now, sleep: clock.sleep, random: () => 0.1 });
    const { work } = failing(2, () => new RetriableError('429', { retryAfterMs: 7000 }));
    await retry.run(work, { baseDelayMs: 100 });
    expect(clock.sleeps).toEqual([7000, 7000]);
  });

  test('non-retriable errors are thrown at once, untouched', async () => {
    const clock = createFakeClock();
    const retry = createRetryService({ now: clock.now, sleep: clock.sleep });
    const fatal = new FatalError('bad credentials');
    const { work, calls } = failing(3, () => fatal);
    await expect(retry.run(work)).rejects.toBe(fatal);
    expect(calls()).toBe(1);
    const plain = failing(3, () => new Error('boom'));
    await expect(retry.run(plain.work)).rejects.toThrow('boom');
    expect(plain.calls()).toBe(1);
  });

  test('gives up after `attempts` with RetriesExhaustedError naming the operation, the last error as cause', async () => {
    const clock = createFakeClock();
    const retry = createRetryService({ now: clock.now, sleep: clock.sleep, random: () => 0.5 });
    const { work, calls } = failing(99);
    const error = await retry.run(work, { attempts: 4, operation: 'POST /contacts' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as Error).message).toContain('POST /contacts failed 4 times');
    expect((error as Error).cause).toBeInstanceOf(RetriableError);
    expect(calls()).toBe(4);
    expect((error as RetriesExhaustedError).exitCode).toBe(6);
  });

  test('gives up when the next wait would pass maxElapsedMs', async () => {
    const clock = createFakeClock();
    const retry = createRetryService({ now: clock.now, sleep: clock.sleep, random: () => 0.999 });
    const { work, calls } = failing(99);
    const error = await retry
      .run(work, { attempts: 100, baseDelayMs: 1000, maxDelayMs: 60_000, maxElapsedMs: 10_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as Error).message).toContain('10000 ms limit');
    // waits of ~1 s, 2 s, 4 s fit in 10 s; the 8 s one would not
    expect(clock.sleeps).toHaveLength(3);
    expect(calls()).toBe(4);
  });

  test('an aborted signal stops waiting and rethrows the last error', async () => {
    const clock = createFakeClock({ autoAdvance: false });
    const retry = createRetryService({ now: clock.now, sleep: clock.sleep, random: () => 0.5 });
    const controller = new AbortController();
    const last = new RetriableError('still busy');
    const pending = retry.run(
      async () => {
        throw last;
      },
      { signal: controller.signal, baseDelayMs: 60_000 },
    );
    await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await expect(pending).rejects.toBe(last);
    expect(clock.sleeps).toHaveLength(1);
  });

  test('onRetry sees each wait (the runtime counts retries with it)', async () => {
    const clock = createFakeClock();
    const seen: number[] = [];
    const retry = createRetryService({ now: clock.now, sleep: clock.sleep, random: () => 0 }).with({
      onRetry: (i) => seen.push(i.attempt),
    });
    await retry.run(failing(3).work);
    expect(seen).toEqual([1, 2, 3]);
  });
});

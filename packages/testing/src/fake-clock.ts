/**
 * A clock for the retry service and limiters in tests. `sleep` records the wait and moves time forward at once
 * (`autoAdvance`, the default), or waits until `advance()` passes its deadline.
 */
export interface FakeClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Moves time forward, waking sleepers whose deadline passed. */
  advance(ms: number): void;
  /** Every wait requested so far, in ms. */
  readonly sleeps: number[];
}

export function createFakeClock(options: { start?: number; autoAdvance?: boolean } = {}): FakeClock {
  let time = options.start ?? 1_700_000_000_000;
  const auto = options.autoAdvance ?? true;
  const sleeps: number[] = [];
  let sleepers: Array<{ at: number; wake: () => void }> = [];
  const advance = (ms: number): void => {
    time += ms;
    const due = sleepers.filter((s) => s.at <= time);
    sleepers = sleepers.filter((s) => s.at > time);
    for (const s of due) s.wake();
  };
  return {
    now: () => time,
    sleeps,
    advance,
    sleep(ms, signal) {
      sleeps.push(ms);
      if (auto) {
        time += ms;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        sleepers.push({ at: time + ms, wake: resolve });
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    },
  };
}

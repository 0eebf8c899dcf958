/** A step's staged writes (services/step-state.ts): what a namespace holds while a stream keeps batches in flight. */
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../src/plugins/types.js';
import { Namespace } from '../src/services/step-state.js';

/** A namespace over a plain map of committed keys, and the sink its commits write to. */
function namespace() {
  const committed = new Map<string, JsonValue>();
  const ns = new Namespace({
    get: (key) => committed.get(key),
    has: (key) => committed.has(key),
    keys: () => committed.keys(),
  });
  const sink = {
    put: (key: string, value: JsonValue) => committed.set(key, value),
    del: (key: string) => committed.delete(key),
    clear: () => committed.clear(),
  };
  return { ns, committed, sink };
}

describe('staged writes', () => {
  it('forgets what was committed while a batch is always in flight, so the log stays a few batches long', () => {
    const { ns, committed, sink } = namespace();
    // Batch t stages 100 keys, then the commit takes every batch before it: one batch is always in flight.
    for (let t = 1; t <= 1000; t++) {
      for (let i = 0; i < 100; i++) ns.stage(t, `k${t}-${i}`, 1);
      ns.take(t, sink);
      expect(ns.logLength).toBeLessThanOrEqual(300);
    }
    expect(committed.size).toBe(99_900);
    expect(ns.pendingCount).toBe(100);
    expect(ns.has('k1000-99') && ns.has('k1-0')).toBe(true);
    ns.take(1001, sink);
    expect([ns.logLength, committed.size]).toEqual([0, 100_000]);
  });

  it('keeps the order of puts, deletes and clears across the writes it drops', () => {
    const { ns, committed, sink } = namespace();
    for (let t = 1; t <= 50; t++) {
      ns.stage(t, `a${t}`, t);
      if (t % 10 === 0) ns.stageClear(t);
      ns.stage(t, 'last', t);
      ns.take(t, sink);
    }
    ns.take(51, sink);
    expect(Object.fromEntries(committed)).toEqual({ last: 50 });
  });
});

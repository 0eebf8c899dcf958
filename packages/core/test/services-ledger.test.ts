import { describe, expect, test } from 'vitest';
import { createLedger, hashRecord, openCheckpointStore } from '@etl/core';

describe('createLedger', () => {
  test("records, compares, drops and lists identities in a step's state", async () => {
    const store = await openCheckpointStore(undefined);
    const state = store.state('sink');
    const ledger = createLedger(state);
    const hash = hashRecord({ email: 'a@example.com', name: 'Ann' });
    ledger.record('a@example.com', hash, '101');
    ledger.record('b@example.com', hashRecord({ email: 'b@example.com' }));
    state.set('other', 1);
    expect(ledger.isUnchanged('a@example.com', hash)).toBe(true);
    expect(ledger.isUnchanged('a@example.com', hashRecord({ email: 'a@example.com', name: 'Anne' }))).toBe(false);
    expect(ledger.get('a@example.com')).toEqual({ hash, id: '101' });
    expect(ledger.get('b@example.com')).toEqual({ hash: hashRecord({ email: 'b@example.com' }) });
    expect(ledger.identities().sort()).toEqual(['a@example.com', 'b@example.com']);
    expect(ledger.size).toBe(2);
    ledger.drop('a@example.com');
    expect(ledger.get('a@example.com')).toBeUndefined();
    expect(ledger.size).toBe(1);
    await store.close();
  });

  test('reads the `[hash, id]` entries sink-hubspot has always written', () => {
    const state = mapState();
    state.set('c:x@example.com', ['abc', '7']);
    expect(createLedger(state).get('x@example.com')).toEqual({ hash: 'abc', id: '7' });
  });

  test('hashRecord ignores key order and tells values apart', () => {
    expect(hashRecord({ a: '1', b: '2' })).toBe(hashRecord({ b: '2', a: '1' }));
    expect(hashRecord({ a: '1', b: '' })).not.toBe(hashRecord({ a: '1b', b: '' }));
    expect(hashRecord({ n: 1 })).not.toBe(hashRecord({ n: '1 ' }));
    expect(hashRecord({ a: '1' })).toMatch(/^[\w-]{22}$/);
  });
});

function mapState() {
  const map = new Map<string, unknown>();
  return {
    get: (k: string) => map.get(k) as never,
    set: (k: string, v: unknown) => void map.set(k, v),
    delete: (k: string) => void map.delete(k),
    has: (k: string) => map.has(k),
    get size() {
      return map.size;
    },
    keys: () => map.keys(),
    clear: () => map.clear(),
  };
}

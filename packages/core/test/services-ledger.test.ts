import { describe, expect, test } from 'vitest';
import { createLedger, hashRecord, openCheckpointStore } from '@etl/core';
import { tempDir } from '@etl/testing';

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
    expect([...ledger.identityBatches(100)].flat().sort()).toEqual(['a@example.com', 'b@example.com']);
    expect(ledger.size).toBe(2);
    ledger.drop('a@example.com');
    expect(ledger.get('a@example.com')).toBeUndefined();
    expect(ledger.size).toBe(1);
    await store.close();
  });

  test('identityBatches reads a committed ledger batch by batch; entries dropped or recorded meanwhile come once', async () => {
    const store = await openCheckpointStore(tempDir(), { fsync: false });
    const ledger = createLedger(store.state('sink'));
    for (let i = 0; i < 250; i++) ledger.record(`p${String(i).padStart(3, '0')}@example.com`, 'h', String(i));
    await store.commit({});
    ledger.record('staged@example.com', 'h'); // not committed yet: listed too
    const batches: string[][] = [];
    for (const batch of ledger.identityBatches(100)) {
      batches.push(batch);
      for (const identity of batch) {
        if (identity.endsWith('0@example.com')) ledger.drop(identity);
        else ledger.record(identity, 'h', 'fixed'); // reconcile fixing an id: the key is staged again
      }
      ledger.drop('p249@example.com'); // dropped before its batch is read: not listed
    }
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    const listed = batches.flat();
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed).toContain('staged@example.com');
    expect(listed).not.toContain('p249@example.com');
    expect(ledger.size).toBe(251 - 25 - 1);
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

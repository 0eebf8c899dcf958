/**
 * The state store contract, run against both stores through the checkpoint store the runtime uses: the embedded one
 * (LMDB in a folder) and the shared one (MariaDB). Same tests, same expectations; where they differ by design
 * (the shared store serves only prefetched keys), the test says so.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CheckpointStore, openCheckpointStore, type SharedStateStore } from '@etl/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openMysqlStateStore } from '../src/index.js';
import { testDatabase } from './helpers.js';

const db = testDatabase();
const dirs: string[] = [];
let shared: SharedStateStore;

beforeAll(async () => {
  shared = await openMysqlStateStore(db.url);
});
afterAll(async () => {
  await shared?.close();
  await db.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Kind {
  name: string;
  /** Opens the same pipeline's state again each call (a new process would). */
  opener(): (options?: { lock?: boolean; readOnly?: boolean }) => Promise<CheckpointStore>;
}

let pipelines = 0;
const kinds: Kind[] = [
  {
    name: 'embedded (LMDB)',
    opener() {
      const dir = mkdtempSync(join(tmpdir(), 'etl-state-contract-'));
      dirs.push(dir);
      return (options = {}) => openCheckpointStore(dir, { fsync: false, ...options });
    },
  },
  {
    name: 'shared (MariaDB)',
    opener() {
      const pipeline = `contract-${++pipelines}`;
      return (options = {}) => openCheckpointStore(undefined, { ...options, shared: { store: shared, pipeline } });
    },
  },
];

describe.each(kinds)('$name', (kind) => {
  test('a commit is seen after reopening: checkpoint, seq, values, namespaces', async () => {
    const open = kind.opener();
    const first = await open();
    const ledger = first.state('sink@dest');
    await ledger.prefetch(['c:a', 'c:b']);
    ledger.set('c:a', ['h1', 'id1']);
    ledger.set('c:b', ['h2']);
    first.state('@runtime').set('limiter:x:daily', { day: '2026-11-30', used: 3 });
    await first.commit({ position: 10 });
    await first.close();

    const again = await open();
    expect(again.checkpoint).toEqual({ position: 10 });
    expect(again.seq).toBe(1);
    const state = again.state('sink@dest');
    await state.prefetch(['c:a', 'c:b', 'c:none']);
    expect(state.get('c:a')).toEqual(['h1', 'id1']);
    expect(state.has('c:b')).toBe(true);
    expect(state.has('c:none')).toBe(false);
    expect(state.get('c:none')).toBeUndefined();
    // The runtime's own namespace reads without a prefetch on both stores.
    expect(again.state('@runtime').get('limiter:x:daily')).toEqual({ day: '2026-11-30', used: 3 });
    expect(again.namespaces().sort()).toEqual(['@runtime', 'sink@dest']);
    expect(await again.count('sink@dest')).toBe(2);
    await again.close();
  });

  test('deletes and clears are committed; a cleared namespace is gone after reopening', async () => {
    const open = kind.opener();
    const store = await open();
    const a = store.state('a');
    const b = store.state('b');
    await a.prefetch(['k1', 'k2']);
    a.set('k1', 1);
    a.set('k2', 2);
    b.set('x', true);
    await store.commit(1);
    a.delete('k1');
    b.clear();
    await store.commit(2);
    // Keys read after a commit, as prefetched before it, see what that commit wrote.
    expect(a.has('k1')).toBe(false);
    expect(a.get('k2')).toBe(2);
    await store.close();

    const again = await open();
    expect(again.seq).toBe(2);
    expect(again.namespaces()).toEqual(['a']);
    expect(await again.count('a')).toBe(1);
    expect(await again.count('b')).toBe(0);
    await again.close();
  });

  test('a commit is atomic: one that fails part way leaves the previous commit whole', async () => {
    const open = kind.opener();
    const store = await open();
    const s = store.state('s');
    s.set('kept', 1);
    await store.commit('first');
    for (let i = 0; i < 2500; i++) s.set(`k${String(i).padStart(5, '0')}`, i);
    // A value no store can encode, after 2,500 that were written in the same transaction: the commit fails there.
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    s.set('zz-unencodable', circular as never);
    store.state('born-in-failed-commit').set('a', 1);
    await expect(store.commit('second')).rejects.toThrow();
    await store.close();

    const again = await open();
    expect(again.checkpoint).toBe('first');
    expect(again.seq).toBe(1);
    expect(await again.count('s')).toBe(1);
    const state = again.state('s');
    await state.prefetch(['kept', 'k00000', 'k02499']);
    expect(state.get('kept')).toBe(1);
    expect(state.has('k00000')).toBe(false);
    expect(state.has('k02499')).toBe(false);
    // A namespace first seen in the failed commit works in the next one, and is found after reopening.
    again.state('born-in-failed-commit').set('b', 2);
    await again.commit('third');
    await again.close();
    const third = await open();
    const born = third.state('born-in-failed-commit');
    await born.prefetch(['a', 'b']);
    expect([born.has('a'), born.get('b')]).toEqual([false, 2]);
    await third.close();
  });

  test('keys() lists a namespace, across pages, with what is staged and without what is deleted', async () => {
    const open = kind.opener();
    const store = await open();
    const big = store.state('big');
    const expected: string[] = [];
    for (let i = 0; i < 12_000; i++) {
      const key = `k${String(i).padStart(6, '0')}`;
      big.set(key, i);
      expected.push(key);
    }
    store.state('other').set('x', 1);
    await store.commit(1);
    await store.close();

    const again = await open();
    const state = again.state('big');
    expect([...state.keys()]).toEqual(expected); // 12,000 keys: three pages of the shared store
    state.delete('k000000');
    state.set('zz-staged', 1);
    const listed = [...state.keys()];
    expect(listed).toHaveLength(12_000);
    expect(listed).not.toContain('k000000');
    expect(listed).toContain('zz-staged'); // StepState.keys() promises no order: staged keys come first
    expect(new Set(listed).size).toBe(listed.length);
    expect(state.size).toBe(12_000);
    expect([...again.state('never').keys()]).toEqual([]);
    await again.close();
  });

  test('reads must be prefetched on the shared store, and need not be on the embedded one', async () => {
    const open = kind.opener();
    const store = await open();
    store.state('n').set('k', 'v');
    await store.commit(1);
    await store.close();
    const again = await open();
    const n = again.state('n');
    if (again.prefetches) {
      expect(() => n.get('k')).toThrow(/without being loaded first/);
      expect(() => n.has('k')).toThrow(expect.objectContaining({ code: 'STATE_NOT_PREFETCHED' }));
    } else expect(n.get('k')).toBe('v');
    await n.prefetch(['k']);
    expect(n.get('k')).toBe('v');
    // A later prefetch replaces the earlier one's keys: memory follows the batch.
    await n.prefetch(['other']);
    if (again.prefetches) expect(() => n.get('k')).toThrow(/without being loaded first/);
    expect(n.has('other')).toBe(false);
    await again.close();
  });
});

test('a shared store that does not answer is a fatal error naming it, without the password', async () => {
  const opening = openMysqlStateStore('mysql://etl:s3cret-Pw@127.0.0.1:1/etl_state');
  await expect(opening).rejects.toMatchObject({ code: 'STATE_STORE_UNREACHABLE' });
  await expect(opening).rejects.toThrow('mysql://etl@127.0.0.1:1/etl_state');
  await expect(opening).rejects.not.toThrow('s3cret-Pw');
});

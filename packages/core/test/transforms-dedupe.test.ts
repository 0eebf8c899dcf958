import { describe, expect, test } from 'vitest';
import { dedupeTransform } from '@etl/core';
import { build, fakeContext, memoryState, runAll } from './transforms-helpers.js';

describe('dedupe', () => {
  test('passes the first record per key and filters later ones', async () => {
    const fn = await build(dedupeTransform(), { key: ['name', 'sex'] });
    const { passed, filtered } = runAll(fn, [
      { name: 'Mary', sex: 'F', year: 1880 },
      { name: 'Mary', sex: 'M', year: 1880 },
      { name: 'Mary', sex: 'F', year: 1881 },
      { name: 'mary', sex: 'F', year: 1881 },
    ]);
    expect(passed.map((r) => r.year + r.sex + r.name)).toEqual(['1880FMary', '1880MMary', '1881Fmary']);
    expect(filtered).toBe(1);
  });

  test('caseSensitive: false folds case', async () => {
    const fn = await build(dedupeTransform(), { key: ['name'], caseSensitive: false });
    expect(runAll(fn, [{ name: 'Anna' }, { name: 'ANNA' }, { name: 'anne' }]).passed).toEqual([
      { name: 'Anna' },
      { name: 'anne' },
    ]);
  });

  test('keys are not confused across field boundaries', async () => {
    const fn = await build(dedupeTransform(), { key: ['a', 'b'] });
    expect(
      runAll(fn, [
        { a: 'x-', b: 'y' },
        { a: 'x', b: '-y' },
      ]).passed,
    ).toHaveLength(2);
  });

  test('stages seen keys in ctx.state and a resumed run continues from them', async () => {
    const state = memoryState();
    const first = await build(dedupeTransform(), { key: ['name', 'sex'] }, fakeContext({ state }));
    runAll(first, [
      { name: 'Mary', sex: 'F' },
      { name: 'John', sex: 'M' },
    ]);
    expect(state.size).toBe(2);

    // A resumed run gets the checkpointed state back: keys seen before are still filtered.
    const resumed = await build(
      dedupeTransform(),
      { key: ['name', 'sex'] },
      fakeContext({ state: memoryState(Object.fromEntries(state.map)) }),
    );
    const { passed, filtered } = runAll(resumed, [
      { name: 'Mary', sex: 'F' },
      { name: 'Anna', sex: 'F' },
    ]);
    expect(passed).toEqual([{ name: 'Anna', sex: 'F' }]);
    expect(filtered).toBe(1);
  });

  test('a resumed --fresh lineage keeps the keys it saw itself (the runtime empties state when a lineage starts)', async () => {
    const state = memoryState({ 'Mary\u001fF': 1 });
    const fn = await build(dedupeTransform(), { key: ['name', 'sex'] }, fakeContext({ state, fresh: true }));
    expect(runAll(fn, [{ name: 'Mary', sex: 'F' }]).passed).toHaveLength(0);
  });

  test('a record without its key fields is rejected, not dropped silently', async () => {
    const fn = await build(dedupeTransform(), { key: ['name', 'sex'] });
    expect(runAll(fn, [{ name: 'Mary' }, { year: 1 }]).rejected).toEqual([
      'dedupe key field sex missing',
      'dedupe key fields name, sex missing',
    ]);
  });
});

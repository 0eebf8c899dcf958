import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FatalError, openCheckpointStore } from '@etl/core';
import { tempDir as tempStateDir } from '@etl/testing';

const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('checkpoint store', () => {
  test('staged writes are visible to reads, durable only after commit, and survive reopening', async () => {
    const dir = tempStateDir();
    const store = await openCheckpointStore(dir);
    const state = store.state('sink');
    state.set('a', 1);
    state.set('b', { nested: [1, 2] });
    expect(state.get('a')).toBe(1);
    expect(state.size).toBe(2);
    await store.commit({ position: 10 });
    state.set('c', 3); // staged, never committed
    state.delete('a');
    expect(state.has('a')).toBe(false);
    await store.close();

    const reopened = await openCheckpointStore(dir);
    const again = reopened.state('sink');
    expect(reopened.checkpoint).toEqual({ position: 10 });
    expect(again.get('a')).toBe(1);
    expect(again.get('b')).toEqual({ nested: [1, 2] });
    expect(again.has('c')).toBe(false);
    expect([...again.keys()].sort()).toEqual(['a', 'b']);
    await reopened.close();
  });

  test('a commit line holds only what changed (cost proportional to the batch)', async () => {
    const dir = tempStateDir();
    const store = await openCheckpointStore(dir);
    const state = store.state('ledger');
    for (let i = 0; i < 5000; i++) state.set(`key-${i}`, i);
    await store.commit({ n: 1 });
    state.set('key-1', 'changed');
    await store.commit({ n: 2 });
    await store.close();
    const [first, second] = lines(join(dir, 'checkpoint.jsonl'));
    expect(first.length).toBeGreaterThan(50_000);
    expect(second.length).toBeLessThan(200);
    expect(JSON.parse(second.slice(9))).toMatchObject({
      seq: 2,
      puts: { ledger: { 'key-1': 'changed' } },
      checkpoint: { n: 2 },
    });
  });

  test('a torn or garbled last line (crash mid-append) is dropped and the journal stays usable', async () => {
    const dir = tempStateDir();
    const file = join(dir, 'checkpoint.jsonl');
    const store = await openCheckpointStore(dir);
    store.state('s').set('k', 'one');
    await store.commit({ at: 1 });
    store.state('s').set('k', 'two');
    await store.commit({ at: 2 });
    await store.close();
    const good = readFileSync(file, 'utf8');

    // Torn: half a line without its newline.
    const [, second] = lines(file);
    appendFileSync(file, second.slice(0, 30));
    const torn = await openCheckpointStore(dir);
    expect(torn.checkpoint).toEqual({ at: 2 });
    expect(torn.state('s').get('k')).toBe('two');
    torn.state('s').set('k', 'three');
    await torn.commit({ at: 3 });
    await torn.close();
    expect(lines(file)).toHaveLength(3);
    const after = await openCheckpointStore(dir);
    expect(after.checkpoint).toEqual({ at: 3 });
    await after.close();

    // Garbled: a complete last line whose checksum does not match.
    writeFileSync(file, `${good + second.replace('"two"', '"TWO"')}\n`);
    const garbled = await openCheckpointStore(dir);
    expect(garbled.checkpoint).toEqual({ at: 2 });
    expect(garbled.state('s').get('k')).toBe('two');
    await garbled.close();
  });

  test('corruption before the last line is refused with what to do', async () => {
    const dir = tempStateDir();
    const file = join(dir, 'checkpoint.jsonl');
    const store = await openCheckpointStore(dir);
    for (let i = 1; i <= 3; i++) {
      store.state('s').set('k', i);
      await store.commit({ at: i });
    }
    await store.close();
    const all = lines(file);
    writeFileSync(file, `${[all[0], all[1].replace('"k":2', '"k":9'), all[2]].join('\n')}\n`);
    const error = await openCheckpointStore(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalError);
    expect((error as FatalError).code).toBe('CHECKPOINT_CORRUPT');
    expect((error as FatalError).suggestions.join(' ')).toContain('--fresh');
  });

  test('tagged writes are committed only once the commit covers their batch', async () => {
    const store = await openCheckpointStore(tempStateDir());
    let tag = 1;
    const state = store.state('dedupe', () => tag);
    state.set('x', 1);
    tag = 2;
    state.set('y', 2);
    await store.commit({}, { upTo: 2 }); // batch 2 still has unwritten records
    const dir = store.file!.replace(/\/checkpoint\.jsonl$/, '');
    await store.close();
    const reopened = await openCheckpointStore(dir);
    expect(reopened.state('dedupe').has('x')).toBe(true);
    expect(reopened.state('dedupe').has('y')).toBe(false);
    await reopened.close();
  });

  test('held namespaces (a sink write in flight) are left out of other commits', async () => {
    const dir = tempStateDir();
    const store = await openCheckpointStore(dir);
    store.state('hubspot').set('ledger', 1);
    store.hold('hubspot', true);
    await store.commit({ n: 1 });
    store.hold('hubspot', false);
    await store.close();
    const reopened = await openCheckpointStore(dir);
    expect(reopened.state('hubspot').has('ledger')).toBe(false);
    await reopened.close();
  });

  test('compacts a journal much larger than the live state, keeping every value', async () => {
    const dir = tempStateDir();
    const file = join(dir, 'checkpoint.jsonl');
    const store = await openCheckpointStore(dir, { compactMinBytes: 20_000, fsync: false });
    const state = store.state('s');
    for (let i = 0; i < 400; i++) {
      state.set('counter', i);
      state.set(`k${i % 10}`, 'x'.repeat(50));
      await store.commit({ i });
    }
    await store.close();
    expect(statSync(file).size).toBeLessThan(20_000);
    const reopened = await openCheckpointStore(dir);
    expect(reopened.checkpoint).toEqual({ i: 399 });
    expect(reopened.state('s').get('counter')).toBe(399);
    expect(reopened.state('s').size).toBe(11);
    expect(reopened.seq).toBe(400);
    await reopened.close();
  });
});

describe('checkpoint store lock', () => {
  test('a second writer of the same pipeline is refused while the first is open; a dead owner is taken over', async () => {
    const dir = tempStateDir();
    const first = await openCheckpointStore(dir);
    const error = await openCheckpointStore(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalError);
    expect((error as FatalError).code).toBe('PIPELINE_LOCKED');
    expect((error as Error).message).toContain(String(process.pid));
    const reader = await openCheckpointStore(dir, { lock: false });
    await reader.close();
    await first.close();
    // A lock left by a process that no longer exists (pid far beyond pid_max) is taken over.
    const top = readdirSync(dir).filter((f) => f.startsWith('checkpoint.lock.')).length + 10;
    writeFileSync(
      join(dir, `checkpoint.lock.${top}`),
      JSON.stringify({ pid: 999999999, start: '1', host: hostname(), nonce: 'dead' }),
    );
    const second = await openCheckpointStore(dir);
    await second.close();
  });
});

describe('read-only checkpoint store (etl check)', () => {
  test('reads committed state, leaves a torn tail and the lock alone, and refuses to commit', async () => {
    const dir = tempStateDir();
    const file = join(dir, 'checkpoint.jsonl');
    const writer = await openCheckpointStore(dir);
    writer.state('s').set('k', 'one');
    await writer.commit({ at: 1 });
    // A live run mid-append: half a line, and the writer still holds the lock.
    appendFileSync(file, '0badc0de {"seq":2,"puts":');
    const before = readFileSync(file);
    const reader = await openCheckpointStore(dir, { readOnly: true });
    expect(reader.checkpoint).toEqual({ at: 1 });
    expect(reader.state('s').get('k')).toBe('one');
    await expect(reader.commit({ at: 2 })).rejects.toThrow(/read-only/);
    await reader.close();
    expect(readFileSync(file).equals(before)).toBe(true);
    await writer.close();
  });

  test('a missing folder reads as empty and is not created', async () => {
    const dir = join(tempStateDir(), 'never-run');
    const reader = await openCheckpointStore(dir, { readOnly: true });
    expect(reader.checkpoint).toBeUndefined();
    expect(reader.namespaces()).toEqual([]);
    await reader.close();
    expect(existsSync(dir)).toBe(false);
  });
});

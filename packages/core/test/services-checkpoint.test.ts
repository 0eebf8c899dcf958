import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { FatalError, openCheckpointStore } from '@etl/core';
import { tempDir as tempStateDir } from '@etl/testing';

/** A line of the journal earlier versions kept (`<crc32 hex> <json>`). */
const journalLine = (line: object): string => {
  const json = JSON.stringify(line);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
};

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

  test('state is read from the store, not mirrored: after a commit nothing is staged in memory', async () => {
    const dir = tempStateDir();
    const store = await openCheckpointStore(dir, { fsync: false });
    const state = store.state('ledger');
    for (let i = 0; i < 5000; i++) state.set(`key-${i}`, [`hash-${i}`, String(i)]);
    await store.commit({ n: 1 });
    state.set('key-1', 'changed');
    state.delete('key-2');
    await store.commit({ n: 2 });
    await store.close();
    expect(existsSync(join(dir, 'state.mdb'))).toBe(true);
    expect(existsSync(join(dir, 'checkpoint.jsonl'))).toBe(false);
    const reopened = await openCheckpointStore(dir);
    const again = reopened.state('ledger');
    expect(reopened.checkpoint).toEqual({ n: 2 });
    expect(reopened.seq).toBe(2);
    expect(again.get('key-1')).toBe('changed');
    expect(again.has('key-2')).toBe(false);
    expect(again.get('key-4999')).toEqual(['hash-4999', '4999']);
    expect(again.size).toBe(4999);
    reopened.state('@runtime').set('known:hubspot@https://api.hubapi.com/portal/1', 1);
    reopened.state('hubspot@https://api.hubapi.com/portal/1').set('c:a@b.example', ['h']);
    await reopened.commit({ n: 3 });
    expect(reopened.namespaces().sort()).toEqual(['@runtime', 'hubspot@https://api.hubapi.com/portal/1', 'ledger']);
    await reopened.close();
  });

  test('clear() hides committed keys at once and drops them with the next commit', async () => {
    const dir = tempStateDir();
    const store = await openCheckpointStore(dir, { fsync: false });
    const state = store.state('dedupe');
    for (let i = 0; i < 25_000; i++) state.set(`k${i}`, 1);
    await store.commit({ n: 1 });
    state.set('staged', 1);
    state.clear();
    expect(state.has('k1')).toBe(false);
    expect(state.has('staged')).toBe(false);
    expect(state.size).toBe(0);
    state.set('after', 2);
    expect([...state.keys()]).toEqual(['after']);
    await store.commit({ n: 2 });
    expect([...state.keys()]).toEqual(['after']);
    expect(store.namespaces()).toEqual(['dedupe']);
    await store.close();
    const reopened = await openCheckpointStore(dir);
    expect([...reopened.state('dedupe').keys()]).toEqual(['after']);
    await reopened.close();
  });

  test('survives kill -9 at any moment: the state always matches its checkpoint', async () => {
    const dir = tempStateDir();
    const core = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '../dist/index.js')).href;
    const script = `
      const { openCheckpointStore } = await import(${JSON.stringify(core)});
      const store = await openCheckpointStore(${JSON.stringify(dir)});
      const state = store.state('s');
      for (let n = 1; ; n++) {
        for (let i = 0; i < 200; i++) state.set('k' + ((n * 200 + i) % 3000), n);
        state.set('n', n);
        await store.commit({ n });
        if (n === 1) process.stdout.write('committing\\n');
      }`;
    for (const delay of [0, 50, 200, 500]) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise((resolve) => child.stdout.once('data', resolve));
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.on('exit', resolve));
      const store = await openCheckpointStore(dir);
      const n = (store.checkpoint as { n: number } | undefined)?.n;
      expect(n).toBeGreaterThan(0);
      expect(store.state('s').get('n')).toBe(n);
      await store.close();
    }
  }, 30_000);

  test("an earlier version's journal is migrated on first open: torn tail dropped, snapshot and deletes applied", async () => {
    const dir = tempStateDir();
    const file = join(dir, 'checkpoint.jsonl');
    writeFileSync(
      file,
      journalLine({ seq: 3, snapshot: true, puts: { s: { a: 1, b: 2 }, old: { x: 1 } }, checkpoint: { at: 3 } }) +
        journalLine({ seq: 4, puts: { s: { c: 3 } }, deletes: { s: ['a'] }, checkpoint: { at: 4 } }) +
        journalLine({ seq: 5, puts: { s: { d: 4 } }, checkpoint: { at: 5 } }).slice(0, 30),
    );
    const store = await openCheckpointStore(dir);
    expect(store.checkpoint).toEqual({ at: 4 });
    expect(store.seq).toBe(4);
    expect([...store.state('s').keys()]).toEqual(['b', 'c']);
    expect(store.state('old').get('x')).toBe(1);
    expect(existsSync(file)).toBe(false);
    store.state('s').set('e', 5);
    await store.commit({ at: 5 });
    await store.close();
    const reopened = await openCheckpointStore(dir);
    expect(reopened.seq).toBe(5);
    expect([...reopened.state('s').keys()]).toEqual(['b', 'c', 'e']);
    await reopened.close();
  });

  test('a garbled last journal line is dropped; a garbled line in the middle is refused with what to do', async () => {
    const dir = tempStateDir();
    const file = join(dir, 'checkpoint.jsonl');
    const one = journalLine({ seq: 1, puts: { s: { k: 1 } }, checkpoint: { at: 1 } });
    const two = journalLine({ seq: 2, puts: { s: { k: 2 } }, checkpoint: { at: 2 } });
    writeFileSync(file, one + two.replace('"k":2', '"k":9'));
    const garbled = await openCheckpointStore(dir);
    expect(garbled.checkpoint).toEqual({ at: 1 });
    await garbled.close();

    const other = tempStateDir();
    const middle = join(other, 'checkpoint.jsonl');
    writeFileSync(middle, one + two.replace('"k":2', '"k":9') + journalLine({ seq: 3, checkpoint: { at: 3 } }));
    const error = await openCheckpointStore(other).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalError);
    expect((error as FatalError).code).toBe('CHECKPOINT_CORRUPT');
    expect((error as FatalError).suggestions.join(' ')).toContain('--fresh');
    expect(existsSync(middle)).toBe(true); // left for the user to inspect
  });

  test('a key too long for the store is refused when it is set', async () => {
    const store = await openCheckpointStore(tempStateDir());
    let error: unknown;
    try {
      store.state('dedupe').set('x'.repeat(3000), 1);
    } catch (e) {
      error = e;
    }
    expect((error as FatalError).code).toBe('STATE_KEY_TOO_LONG');
    await store.close();
  });

  test('tagged writes are committed only once the commit covers their batch', async () => {
    const dir = tempStateDir();
    const store = await openCheckpointStore(dir);
    let tag = 1;
    const state = store.state('dedupe', () => tag);
    state.set('x', 1);
    tag = 2;
    state.set('y', 2);
    await store.commit({}, { upTo: 2 }); // batch 2 still has unwritten records
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

  test('rewriting the same keys reuses the file: it does not grow with the number of commits', async () => {
    const dir = tempStateDir();
    const store = await openCheckpointStore(dir, { fsync: false });
    const state = store.state('s');
    const sizeAfter = async (commits: number) => {
      for (let i = 0; i < commits; i++) {
        state.set('counter', i);
        for (let k = 0; k < 10; k++) state.set(`k${k}`, 'x'.repeat(500));
        await store.commit({ i });
      }
      return statSync(join(dir, 'state.mdb')).size;
    };
    const early = await sizeAfter(50);
    const late = await sizeAfter(500);
    expect(late).toBeLessThanOrEqual(early * 1.5);
    await store.close();
    const reopened = await openCheckpointStore(dir);
    expect(reopened.state('s').get('counter')).toBe(499);
    expect(reopened.state('s').size).toBe(11);
    expect(reopened.seq).toBe(550);
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
  test('reads what a live writer committed, without its staged writes, and refuses to commit', async () => {
    const dir = tempStateDir();
    const writer = await openCheckpointStore(dir);
    writer.state('s').set('k', 'one');
    await writer.commit({ at: 1 });
    writer.state('s').set('k', 'staged');
    const reader = await openCheckpointStore(dir, { readOnly: true });
    expect(reader.checkpoint).toEqual({ at: 1 });
    expect(reader.state('s').get('k')).toBe('one');
    await expect(reader.commit({ at: 2 })).rejects.toThrow(/read-only/);
    await reader.close();
    await writer.commit({ at: 2 });
    await writer.close();
  });

  test('a journal not migrated yet is read as it is: file and torn tail left byte for byte', async () => {
    const dir = tempStateDir();
    const file = join(dir, 'checkpoint.jsonl');
    writeFileSync(
      file,
      `${journalLine({ seq: 1, puts: { s: { k: 'one' } }, checkpoint: { at: 1 } })}0badc0de {"seq":2,`,
    );
    const before = readFileSync(file);
    const reader = await openCheckpointStore(dir, { readOnly: true });
    expect(reader.checkpoint).toEqual({ at: 1 });
    expect(reader.state('s').get('k')).toBe('one');
    await reader.close();
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['checkpoint.jsonl']);
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

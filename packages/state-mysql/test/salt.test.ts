/**
 * The salt hashes of secrets use (fingerprints, destination ids): one per store, the same for every process using it,
 * so a run resumed on another host sees the same pipeline fingerprint (test/reliability/workers.test.ts runs that).
 */
import { afterAll, expect, test } from 'vitest';
import { openMysqlStateStore } from '../src/index.js';
import { testDatabase } from './helpers.js';

const db = testDatabase();
afterAll(() => db.drop());

test('every store opened on one database gets the same salt, and the first one asked made it', async () => {
  const [a, b] = await Promise.all([openMysqlStateStore(db.url), openMysqlStateStore(db.url)]);
  try {
    const [saltA, saltB] = await Promise.all([a.salt(), b.salt()]);
    expect(saltA.length).toBe(32);
    expect(saltB.equals(saltA)).toBe(true);
    expect((await a.salt()).equals(saltA)).toBe(true);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
  const other = testDatabase();
  const c = await openMysqlStateStore(other.url);
  try {
    expect((await c.salt()).equals(await openSalt(db.url))).toBe(false);
  } finally {
    await c.close();
    await other.drop();
  }
});

async function openSalt(url: string): Promise<Buffer> {
  const store = await openMysqlStateStore(url);
  try {
    return await store.salt();
  } finally {
    await store.close();
  }
}

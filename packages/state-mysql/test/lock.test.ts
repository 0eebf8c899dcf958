/**
 * One active run per pipeline across processes: a second process finds the database lock busy (PIPELINE_LOCKED,
 * naming the holder's pid and host), and takes it once the holder is killed with SIGKILL (its connection drops).
 */
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import type { SharedStateStore } from '@etl/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildOnce } from '../../../test/helpers/build.js';
import { openMysqlStateStore } from '../src/index.js';
import { testDatabase } from './helpers.js';

const db = testDatabase();
let store: SharedStateStore;
const dist = new URL('../dist/index.js', import.meta.url).href;

beforeAll(async () => {
  await buildOnce(['packages/state-mysql'], ['packages/state-mysql/dist/index.js']);
  store = await openMysqlStateStore(db.url);
}, 300_000);
afterAll(async () => {
  await store?.close();
  await db.drop();
});

/** A process that takes the pipeline's lock, says so, and holds it until killed. */
function holder(pipeline: string) {
  const script = `
    const { openMysqlStateStore } = await import(${JSON.stringify(dist)});
    const store = await openMysqlStateStore(process.env.URL);
    await store.openPipeline(process.env.PIPELINE, { readOnly: false, lock: true });
    process.stdout.write('locked\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, URL: db.url, PIPELINE: pipeline },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return { child, locked };
}

test('a live holder in another process keeps the lock; killing it frees it', async () => {
  const { child, locked } = holder('locked-pipeline');
  await locked;
  const busy = store.openPipeline('locked-pipeline', { readOnly: false, lock: true });
  await expect(busy).rejects.toMatchObject({ code: 'PIPELINE_LOCKED' });
  await expect(busy).rejects.toThrow(`(process ${child.pid} on host ${hostname()})`);
  // Another pipeline is not held up; nor is a read-only look at this one.
  await (await store.openPipeline('other-pipeline', { readOnly: false, lock: true })).close();
  await (await store.openPipeline('locked-pipeline', { readOnly: true, lock: false })).close();

  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  // The server frees the lock when it sees the connection drop (at once on loopback): retry until then.
  let taken;
  for (let attempt = 0; !taken && attempt < 100; attempt++) {
    taken = await store.openPipeline('locked-pipeline', { readOnly: false, lock: true }).catch((error) => {
      if (error.code !== 'PIPELINE_LOCKED') throw error;
      return new Promise<undefined>((resolve) => setTimeout(resolve, 100));
    });
  }
  expect(taken).toBeDefined();
  // Held by this process now: a second open here is refused too (the lock is per connection, not per process).
  await expect(store.openPipeline('locked-pipeline', { readOnly: false, lock: true })).rejects.toMatchObject({
    code: 'PIPELINE_LOCKED',
  });
  await taken!.close();
  await (await store.openPipeline('locked-pipeline', { readOnly: false, lock: true })).close();
});

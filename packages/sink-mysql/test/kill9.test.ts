import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_CSV, testDatabase } from './helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/load-child.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BATCH = 40;

/** Starts the child loader; resolves with how it ended, after SIGKILL once it reported `killAfter` commits (if given). */
function load(url: string, opts: { resume: boolean; killAfter?: number }) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; committed: number; stderr: string }>(
    (resolve) => {
      const child = spawn(
        process.execPath,
        [CHILD, url, SAMPLE_CSV, String(BATCH), ...(opts.resume ? ['--resume'] : [])],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let committed = 0;
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += String(d)));
      child.stdout.on('data', (d: Buffer) => {
        committed += String(d)
          .split('\n')
          .filter((l) => l.startsWith('committed')).length;
        // Killed while it is busy with the next batch: mid-transaction, mid-LOAD DATA or between statements.
        if (opts.killAfter !== undefined && committed >= opts.killAfter) child.kill('SIGKILL');
      });
      child.on('exit', (code, signal) => resolve({ code, signal, committed, stderr }));
    },
  );
}

describe('kill -9 in the middle of a load', () => {
  let killed: Awaited<ReturnType<typeof testDatabase>>;
  let whole: Awaited<ReturnType<typeof testDatabase>>;
  beforeAll(async () => {
    // The child runs the built package with plain node, so build it first. Other packages of the tree may be mid-edit
    // (tsc -b builds core too): try a few times before giving up with the compiler's output.
    for (let attempt = 1; ; attempt++) {
      try {
        execFileSync('npx', ['tsc', '-b', 'packages/sink-mysql'], { cwd: ROOT, stdio: 'pipe' });
        break;
      } catch (error) {
        if (attempt === 4)
          throw new Error(
            `npx tsc -b packages/sink-mysql failed:\n${String((error as { stdout?: Buffer }).stdout ?? error)}`,
          );
        await new Promise((r) => setTimeout(r, 5000));
      }
    }
    killed = await testDatabase('kill');
    whole = await testDatabase('whole');
  }, 300_000);
  afterAll(async () => {
    await killed?.drop();
    await whole?.drop();
  });

  it('resumes to the exact row count and checksum of an uninterrupted load', async () => {
    const uninterrupted = await load(whole.url, { resume: false });
    expect(uninterrupted.stderr).toBe('');
    expect(uninterrupted.code).toBe(0);
    const expected = await whole.fingerprint();
    expect(expected.rows).toBe(3000);
    const shape = await whole.shape();
    expect(shape).toContain('KEY `idx_baby_names_name_sex`');

    let partials = 0;
    let rowsBefore = 0;
    for (let round = 0; round < 3; round++) {
      const run = await load(killed.url, { resume: round > 0, killAfter: 3 + 2 * round });
      expect(run.signal).toBe('SIGKILL');
      const now = await killed.fingerprint();
      if (now.rows > 0 && now.rows < 3000) partials++;
      // Nothing the child reported as committed is lost, and the table never holds part of a batch.
      expect(now.rows).toBeGreaterThanOrEqual(rowsBefore + run.committed * BATCH);
      expect(now.rows % BATCH === 0 || now.rows === 3000).toBe(true);
      rowsBefore = now.rows;
      // The first load found the table empty and deferred its secondary index; the table says what it owes.
      expect(await killed.shape()).toContain("COMMENT='etl:deferred-indexes:");
    }
    expect(partials).toBeGreaterThan(0);

    const finish = await load(killed.url, { resume: true });
    expect(finish.stderr).toBe('');
    expect(finish.code).toBe(0);
    expect(await killed.fingerprint()).toEqual(expected);
    expect(await killed.shape()).toBe(shape);
    const [cp] = await killed.query<Array<{ token: string }>>(`SELECT token FROM \`${killed.name}\`.etl_checkpoints`);
    expect(JSON.parse(cp.token)).toEqual({ seq: 3000 / BATCH - 1, last: 3000 });
  }, 300_000);
});

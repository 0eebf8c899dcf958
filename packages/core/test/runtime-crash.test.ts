import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '@etl/testing';

const root = resolve(__dirname, '../../..');
const coreDist = join(root, 'packages/core/dist/index.js');

// A child process runs a real pipeline from the built dist/ (a kill -9 needs a process of its own). Its sinks are
// transactional files: each write appends one line `{ids, token}` and fsyncs; restore() returns the last whole line's
// token. So the test checks the runtime's promise end to end: after kill -9 and a resume, exactly once.
const script = (core: string) => `
import { appendFileSync, openSync, fsyncSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { defineSource, defineSink, defineTransform, runPipeline } from ${JSON.stringify(core)};
const [stateDir, outDir, delay] = process.argv.slice(2);
const TOTAL = 3000;
const source = defineSource({ name: 'gen', configSchema: {}, async *read(ctx, c, from) {
  for (let i = typeof from === 'number' ? from : 0; i < TOTAL; ) {
    const records = [];
    for (const end = Math.min(TOTAL, i + 50); i < end; i++) records.push({ id: i + 1, key: (i + 1) % 500 });
    yield { records, position: i };
  }
} });
const firstPerKey = defineTransform({ name: 'first', configSchema: {}, create: (ctx) => (r) => {
  if (ctx.state.has(String(r.key))) return null;
  ctx.state.set(String(r.key), 1);
  return r;
} });
const lines = (file) => existsSync(file) ? readFileSync(file, 'utf8').split('\\n').slice(0, -1).flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } }) : [];
const fileSink = (name) => defineSink({ name, configSchema: {}, batchSize: 40,
  restore: async () => lines(outDir + '/' + name + '.jsonl').at(-1)?.token,
  async write(ctx, c, batch) {
    await new Promise((r) => setTimeout(r, Number(delay)));
    const fd = openSync(outDir + '/' + name + '.jsonl', 'a');
    appendFileSync(fd, JSON.stringify({ ids: batch.records.map((r) => r.id), token: batch.checkpoint }) + '\\n');
    fsyncSync(fd);
    closeSync(fd);
    return { written: batch.records.length };
  } });
const step = (name, kind, plugin, inputs) => ({ name, kind, use: name, from: 'crash-test', plugin, config: {}, inputs });
const summary = await runPipeline({ name: 'crash', file: 'crash.yaml', limiters: {}, secrets: [], steps: [
  step('src', 'source', source, []), step('first', 'transform', firstPerKey, ['src']),
  step('distinct', 'sink', fileSink('distinct'), ['first']), step('all', 'sink', fileSink('all'), ['src']),
] }, { stateDir });
console.log(JSON.stringify({ status: summary.status, resumed: summary.resumed }));
`;

const ids = (file: string): number[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .slice(0, -1)
    .flatMap((l) => {
      try {
        return (JSON.parse(l) as { ids: number[] }).ids;
      } catch {
        return []; // a line torn by kill -9 never counted as written
      }
    });

describe('runPipeline: kill -9 and resume', () => {
  beforeAll(() => {
    // The child runs the built runtime; make sure it is current. Type errors elsewhere in core (work in progress of
    // others) do not stop tsc from emitting, so only a missing build is fatal here.
    spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'packages/core')], {
      stdio: 'ignore',
    });
    if (!existsSync(coreDist)) throw new Error(`${coreDist} is missing: run \`npx tsc -b packages/core\` first`);
  }, 300_000);

  test('records are written exactly once across a kill -9 mid-run and a resumed run', async () => {
    const stateDir = tempDir();
    const outDir = tempDir();
    const file = join(outDir, 'child.mjs');
    writeFileSync(file, script(pathToFileURL(coreDist).href));
    const allFile = join(outDir, 'all.jsonl');

    const child = spawn(process.execPath, [file, stateDir, outDir, '25'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 6000 && !(existsSync(allFile) && ids(allFile).length >= 800); i++)
      await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    const before = ids(allFile).length;
    expect(before).toBeGreaterThanOrEqual(800);
    expect(before).toBeLessThan(3000);

    const out = execFileSync(process.execPath, [file, stateDir, outDir, '0'], { encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ status: 'succeeded', resumed: true });
    expect(ids(allFile)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    expect(ids(join(outDir, 'distinct.jsonl'))).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
  }, 300_000);
});

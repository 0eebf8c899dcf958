/**
 * A plugin installed in a project outside this repository imports `@etl/core` (a peer dependency): the CLI lends it
 * its own copy, whether the project holds no core at all or a different copy of its own.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildCli, etl, readLines } from './helpers.js';

beforeAll(buildCli, 600_000);
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const plugin = `import { defineSink, FatalError } from '@etl/core';
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
export default () => defineSink({
  name: 'lent',
  configSchema: { type: 'object', properties: { file: { type: 'string', description: 'Output file.' } } },
  destination: (ctx, config) => ({ id: 'file://' + resolve(config.file) }),
  async write(ctx, config, batch) {
    if (typeof FatalError !== 'function') throw new Error('no FatalError');
    appendFileSync(resolve(config.file), batch.records.map((r) => JSON.stringify(r) + '\\n').join(''));
    return { written: batch.records.length };
  },
});
`;

function project(withOwnCore: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'etl-lend-'));
  dirs.push(dir);
  const pkg = join(dir, 'node_modules/etl-plugin-lent');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({
      name: 'etl-plugin-lent',
      type: 'module',
      exports: './index.js',
      peerDependencies: { '@etl/core': '^0.1.0' },
    }),
  );
  writeFileSync(join(pkg, 'index.js'), plugin);
  if (withOwnCore) {
    // A different copy, which would break the plugin if it were used.
    const core = join(dir, 'node_modules/@etl/core');
    mkdirSync(core, { recursive: true });
    writeFileSync(
      join(core, 'package.json'),
      JSON.stringify({ name: '@etl/core', type: 'module', exports: './index.js' }),
    );
    writeFileSync(join(core, 'index.js'), "throw new Error('the project\\'s own @etl/core was loaded');");
  }
  mkdirSync(join(dir, 'plugins'));
  cpSync(
    new URL('./fixtures/project/plugins/counter-source.js', import.meta.url),
    join(dir, 'plugins/counter-source.js'),
  );
  writeFileSync(
    join(dir, 'pipeline.yaml'),
    [
      'version: 1',
      'steps:',
      '  numbers:',
      '    use: ./plugins/counter-source.js',
      '    config: { count: 7 }',
      '  out:',
      '    use: lent',
      '    inputs: [numbers]',
      '    config: { file: out.jsonl }',
      '',
    ].join('\n'),
  );
  return dir;
}

describe('the CLI lends plugins its @etl/core', { timeout: 120_000 }, () => {
  test.each([
    ['no @etl/core in the project', false],
    ['another @etl/core in the project', true],
  ])('%s', async (_name, withOwnCore) => {
    const dir = project(withOwnCore);
    const r = await etl(['run', 'pipeline.yaml'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(readLines(join(dir, 'out.jsonl')).map((x) => x.id)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

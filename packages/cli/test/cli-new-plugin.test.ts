/**
 * `etl new plugin`: each kind builds with tsc, passes its contract test, and runs in its example pipeline once
 * installed (here: linked into a node_modules). Generated inside the repository so the workspace's typescript,
 * vitest and @etl packages are found; test/e2e/outside-repo.test.ts does the same from tarballs in a scratch folder.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pluginNames } from '../src/scaffold/names.js';
import { buildCli, etl, readLines, repoRoot } from './helpers.js';

const run = promisify(execFile);
beforeAll(buildCli, 600_000);
mkdirSync(join(repoRoot, '.etl'), { recursive: true });
const root = mkdtempSync(join(repoRoot, '.etl/scaffold-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const bin = (name: string) => join(repoRoot, 'node_modules/.bin', name);

describe('etl new plugin', { timeout: 240_000 }, () => {
  test.each(['sink', 'source', 'transform'] as const)(
    'a %s that builds, passes the contract kit and runs its example',
    async (kind) => {
      const name = `acme-${kind}`;
      const created = await etl(['new', 'plugin', name, '--kind', kind, '--json'], { cwd: root });
      expect(created.code, created.stderr).toBe(0);
      expect(JSON.parse(created.stdout)).toMatchObject({ packageName: `etl-plugin-${name}`, use: name });
      const dir = join(root, name);
      expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toMatchObject({
        peerDependencies: { '@etl/core': expect.stringMatching(/^\^\d/) },
        devDependencies: { '@etl/core': expect.any(String), '@etl/testing': expect.any(String) },
      });

      await run(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: dir });
      expect(existsSync(join(dir, 'dist/index.js'))).toBe(true);
      const tested = await run(bin('vitest'), ['run'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
      expect(tested.stdout).toMatch(/Tests\s+\d+ passed/);

      mkdirSync(join(root, 'node_modules'), { recursive: true });
      symlinkSync(dir, join(root, 'node_modules', `etl-plugin-${name}`));
      const r = await etl(['run', `${name}/example/pipeline.yaml`, '--json'], { cwd: root });
      expect(r.code, r.stderr).toBe(0);
      const out =
        kind === 'sink' ? readdirSync(join(root, `.etl/${name}-out`)) : readLines(join(root, `.etl/${name}-out.jsonl`));
      expect(out).toHaveLength(25);
      if (kind === 'transform')
        expect(readLines(join(root, `.etl/${name}-out.jsonl`))[3]).toMatchObject({ id: 3, name: 'NAME 3' });
    },
  );

  test('refuses a folder that is not empty, and a name npm would not take', async () => {
    await etl(['new', 'plugin', 'taken', '--kind', 'sink'], { cwd: root });
    const again = await etl(['new', 'plugin', 'taken', '--kind', 'sink'], { cwd: root });
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('already exists and is not empty');
    const bad = await etl(['new', 'plugin', 'Bad Name', '--kind', 'sink'], { cwd: root });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('cannot be a plugin name');
  });

  test('names: etl-plugin-<name>, or @scope/etl-plugin-<name> for a scoped name', () => {
    expect(pluginNames('acme-sink')).toEqual({
      use: 'acme-sink',
      packageName: 'etl-plugin-acme-sink',
      dirName: 'acme-sink',
      factory: 'acmeSink',
    });
    expect(pluginNames('etl-plugin-acme')).toMatchObject({ use: 'acme', packageName: 'etl-plugin-acme' });
    expect(pluginNames('@acme/crm')).toEqual({
      use: '@acme/crm',
      packageName: '@acme/etl-plugin-crm',
      dirName: 'crm',
      factory: 'crm',
    });
  });
});

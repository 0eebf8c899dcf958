/**
 * The path of a plugin author outside this repository, with nothing but the tarballs of `scripts/pack.sh`:
 * install the CLI and core in a scratch project, `etl new plugin acme-sink --kind sink`, build and test it, pack it,
 * install it, and `etl run` a pipeline that uses it as `use: acme-sink`. docs/plugin-authoring.md walks the same path.
 *
 * Slow (npm installs, as a user runs them): the CLI's tarballs into the project, the plugin's dev dependencies into
 * its folder (@etl/core and @etl/testing from their tarballs, typescript and vitest from the registry), then the
 * plugin's tarball into the project. npm's cache is the user's (shared across runs) and `--prefer-offline` keeps the
 * registry out of it when it can.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { buildOnce } from '../helpers/build.js';
import { repoRoot } from '../helpers/paths.js';

const exec = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'etl-outside-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const npm = (args: string[], cwd: string) =>
  exec('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd, timeout: 600_000, maxBuffer: 32 << 20 });
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
for (const key of Object.keys(env)) if (key.startsWith('ETL_') || key.startsWith('npm_') || key === 'NODE_OPTIONS') delete env[key];

describe('a plugin author outside the repository', { timeout: 900_000 }, () => {
  test('tarballs → npm install → etl new plugin → build → test → pack → install → etl run, all exit 0', async () => {
    await buildOnce([], ['packages/cli/dist/commands/new/plugin.js']);
    const tarballs = join(scratch, 'tarballs');
    await exec('bash', ['scripts/pack.sh', tarballs], { cwd: repoRoot, env: { ...env, ETL_PACK_NO_BUILD: '1' } });
    const packed = readdirSync(tarballs).filter((file) => file.endsWith('.tgz'));
    expect(packed.sort()).toEqual(['cli', 'core', 'sandbox', 'sink-hubspot', 'sink-mysql', 'source-kaggle', 'testing'].map((p) => `etl-${p}-0.1.0.tgz`));

    const project = join(scratch, 'project');
    await exec('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch-project', private: true, type: 'module' }));
    // The CLI's own tarballs: it depends on core, the sandbox and the first-party plugins.
    await npm(['install', ...packed.filter((file) => !file.includes('testing')).map((file) => join(tarballs, file))], project);

    const etl = (args: string[], cwd = project) => exec(join(project, 'node_modules/.bin/etl'), args, { cwd, env, timeout: 300_000 });
    await etl(['new', 'plugin', 'acme-sink', '--kind', 'sink']);
    const plugin = join(project, 'acme-sink');
    // `npm install` in the plugin, with the unpublished @etl packages taken from their tarballs.
    await npm(['install', '--save-dev', join(tarballs, 'etl-core-0.1.0.tgz'), join(tarballs, 'etl-testing-0.1.0.tgz')], plugin);
    const run = (script: string) => exec('npm', ['run', script, '--silent'], { cwd: plugin, env, timeout: 300_000 });
    await run('build');
    const tested = await run('test');
    expect(tested.stdout).toMatch(/Tests\s+\d+ passed/);
    await exec('npm', ['pack', '--silent'], { cwd: plugin, env, timeout: 300_000 });
    await npm(['install', join(plugin, 'etl-plugin-acme-sink-0.1.0.tgz')], project);

    const listed = JSON.parse((await etl(['plugins', '--json'])).stdout) as Array<{ use: string; package: string }>;
    expect(listed).toContainEqual(expect.objectContaining({ use: 'acme-sink', package: 'etl-plugin-acme-sink' }));
    const { stdout } = await etl(['run', 'acme-sink/example/pipeline.yaml', '--json']);
    const summary = JSON.parse(stdout) as { status: string; steps: Array<{ step: string; plugin: string; written: number }> };
    expect(summary.status).toBe('succeeded');
    expect(summary.steps.find((s) => s.step === 'write')).toMatchObject({ plugin: 'acme-sink', written: 25 });
    expect(readdirSync(join(project, '.etl/acme-sink-out'))).toHaveLength(25);
    expect(JSON.parse(readFileSync(join(project, '.etl/acme-sink-out/7.json'), 'utf8'))).toMatchObject({ id: 7 });
  });
});

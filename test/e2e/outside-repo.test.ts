/**
 * The path of a plugin author outside this repository, with nothing but the tarballs of `scripts/pack.sh`:
 * install the CLI and core in a scratch project, `etl new plugin acme-sink --kind sink`, build and test it, pack it,
 * install it, and `etl run` a pipeline that uses it as `use: acme-sink`. docs/plugin-authoring.md walks the same path.
 *
 * Slow (package installs, as a user runs them): the CLI's tarballs into the project, the plugin's dev dependencies
 * into its folder (@etl/core and @etl/testing from their tarballs, typescript and vitest from the registry), then the
 * plugin's tarball into the project. The package managers' caches are the user's (shared across runs), and
 * `--prefer-offline` keeps the registry out of it when it can.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildOnce } from '../helpers/build.js';
import { repoRoot } from '../helpers/paths.js';

const exec = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'etl-outside-'));
const tarballs = join(scratch, 'tarballs');
const tgz = (name: string) => join(tarballs, `etl-${name}-0.1.0.tgz`);
const cliTarballs = ['cli', 'core', 'sandbox', 'sink-hubspot', 'sink-mysql', 'sink-pipedrive', 'source-kaggle', 'ui'];
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Neither the outer pnpm's settings nor ETL_* variables leak into the user's shell.
const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
for (const key of Object.keys(env))
  if (key.startsWith('ETL_') || key.startsWith('npm_') || key.startsWith('PNPM_') || key === 'NODE_OPTIONS')
    delete env[key];
const sh = (command: string, args: string[], cwd: string) =>
  exec(command, args, { cwd, env, timeout: 600_000, maxBuffer: 32 << 20 });
const quiet = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

beforeAll(async () => {
  await buildOnce([], ['packages/cli/dist/commands/new/plugin.js']);
  await exec('bash', ['scripts/pack.sh', tarballs], { cwd: repoRoot, env: { ...env, ETL_PACK_NO_BUILD: '1' } });
}, 600_000);

/** `etl plugins` lists the plugin and `etl run` of its example pipeline writes the 25 sample records through it. */
async function expectRuns(project: string, pipeline: string): Promise<void> {
  const etl = (args: string[]) => sh(join(project, 'node_modules/.bin/etl'), args, project);
  const listed = JSON.parse((await etl(['plugins', '--json'])).stdout) as Array<{ use: string; package: string }>;
  expect(listed).toContainEqual(expect.objectContaining({ use: 'acme-sink', package: 'etl-plugin-acme-sink' }));
  const summary = JSON.parse((await etl(['run', pipeline, '--json'])).stdout) as {
    status: string;
    steps: Array<{ step: string; plugin: string; written: number }>;
  };
  expect(summary.status).toBe('succeeded');
  expect(summary.steps.find((s) => s.step === 'write')).toMatchObject({ plugin: 'acme-sink', written: 25 });
  expect(readdirSync(join(project, '.etl/acme-sink-out'))).toHaveLength(25);
  expect(JSON.parse(readFileSync(join(project, '.etl/acme-sink-out/7.json'), 'utf8'))).toMatchObject({ id: 7 });
}

describe('a plugin author outside the repository', { timeout: 900_000 }, () => {
  test('npm: tarballs → npm install → etl new plugin → build → test → pack → install → etl run, all exit 0', async () => {
    // @etl/queue and @etl/state-mysql are optional peers of the CLI (workers, Redis limiters, shared state): packed,
    // not installed here.
    expect(readdirSync(tarballs).sort()).toEqual(
      [...cliTarballs, 'queue', 'state-mysql', 'testing'].sort().map((p) => `etl-${p}-0.1.0.tgz`),
    );
    const project = join(scratch, 'npm-project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'scratch-project', private: true, type: 'module' }),
    );
    // The CLI's own tarballs: it depends on core, the sandbox and the first-party plugins.
    await sh('npm', ['install', ...cliTarballs.map(tgz), ...quiet], project);

    await sh(join(project, 'node_modules/.bin/etl'), ['new', 'plugin', 'acme-sink', '--kind', 'sink'], project);
    const plugin = join(project, 'acme-sink');
    // `npm install` in the plugin, with the unpublished @etl packages taken from their tarballs.
    await sh('npm', ['install', '--save-dev', tgz('core'), tgz('testing'), ...quiet], plugin);
    await sh('npm', ['run', 'build', '--silent'], plugin);
    expect((await sh('npm', ['test', '--silent'], plugin)).stdout).toMatch(/Tests\s+\d+ passed/);
    await sh('npm', ['pack', '--silent'], plugin);
    await sh('npm', ['install', join(plugin, 'etl-plugin-acme-sink-0.1.0.tgz'), ...quiet], project);
    await expectRuns(project, 'acme-sink/example/pipeline.yaml');
  });

  test('pnpm: the same path, the plugin in a folder of its own', async () => {
    // Until the @etl packages are on a registry, both folders map them to the tarballs.
    // pnpm 10+ refuses dependencies with install scripts until the project decides: core's state store (lmdb) and its
    // msgpackr ship prebuilt binaries, so their scripts may be skipped (what the README tells pnpm users to write).
    const overrides =
      `overrides:\n${[...cliTarballs, 'testing'].map((p) => `  '@etl/${p}': file:${tgz(p)}`).join('\n')}\n` +
      'allowBuilds:\n  lmdb: false\n  msgpackr-extract: false\n';
    const project = join(scratch, 'pnpm-project');
    const plugin = join(scratch, 'acme-sink');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'scratch-project', private: true, type: 'module' }),
    );
    writeFileSync(join(project, 'pnpm-workspace.yaml'), overrides);
    await sh('pnpm', ['add', tgz('cli'), tgz('core'), '--prefer-offline'], project);

    await sh(
      join(project, 'node_modules/.bin/etl'),
      ['new', 'plugin', 'acme-sink', '--kind', 'sink', '--dir', plugin],
      project,
    );
    writeFileSync(join(plugin, 'pnpm-workspace.yaml'), overrides);
    await sh('pnpm', ['install', '--prefer-offline'], plugin);
    await sh('pnpm', ['run', 'build'], plugin);
    expect((await sh('pnpm', ['test'], plugin)).stdout).toMatch(/Tests\s+\d+ passed/);
    await sh('pnpm', ['pack'], plugin);
    await sh('pnpm', ['add', join(plugin, 'etl-plugin-acme-sink-0.1.0.tgz'), '--prefer-offline'], project);
    // The example pipeline, copied into the project (its `use: ./…` paths then stay inside the project).
    cpSync(join(plugin, 'example'), join(project, 'example'), { recursive: true });
    await expectRuns(project, 'example/pipeline.yaml');
  });
});

/**
 * Runs the real CLI (`node packages/cli/bin/run.js`, built `dist/`) in a copy of the fixture project, as a person
 * would: separate process, real exit codes, real signals. Fixture plugins are loaded by path from the copy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildOnce } from '../../../test/helpers/build.js';

const here = dirname(fileURLToPath(import.meta.url));
export const cliDir = resolve(here, '..');
export const repoRoot = resolve(cliDir, '../..');
const bin = join(cliDir, 'bin/run.js');

/** Builds the CLI (and what it depends on) before a test file spawns it. */
export const buildCli = (): Promise<void> => buildOnce(['packages/cli'], ['packages/cli/dist/commands/run.js']);

const projects: string[] = [];

/** A fresh copy of test/fixtures/project in a temporary folder (its own .etl state). */
export function makeProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'etl-cli-test-'));
  cpSync(join(here, 'fixtures/project'), dir, { recursive: true });
  projects.push(dir);
  return dir;
}

export function removeProjects(): void {
  for (const dir of projects.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A child environment without variables that would change the CLI's behaviour. */
function childEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const key of Object.keys(base))
    if (key.startsWith('ETL_') || key === 'MIN_YEAR' || key === 'FILE_TOKEN') delete base[key];
  return { ...base, NO_COLOR: '1', FORCE_COLOR: '0', ...env };
}

export function startEtl(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): { child: ChildProcess; done: Promise<Result>; output: () => Result } {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Result>((resolveDone) =>
    child.on('close', (code, signal) => resolveDone({ code, signal, stdout, stderr })),
  );
  return { child, done, output: () => ({ code: null, signal: null, stdout, stderr }) };
}

export function etl(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Result> {
  return startEtl(args, options).done;
}

/**
 * The CLI as `bin/run.js` runs it when the build made no bundle of the command (or a stale one): oclif's `execute`,
 * each module from its own file in dist/.
 */
export function etlUnbundled(args: string[], options: { cwd: string }): Promise<Result> {
  const oclif = pathToFileURL(createRequire(join(cliDir, 'package.json')).resolve('@oclif/core')).href;
  const script = `const { execute } = await import(${JSON.stringify(oclif)});
await execute({ dir: ${JSON.stringify(bin)}, args: ${JSON.stringify(args)} });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: options.cwd,
    env: childEnv({ OCLIF_DISABLE_ENGINE_WARNING: '1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolveDone) =>
    child.on('close', (code, signal) => resolveDone({ code, signal, stdout, stderr })),
  );
}

export function readLines(file: string): Array<Record<string, unknown>> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** ajv and yaml as core uses them (the CLI package does not depend on them itself). */
export const fromCore = createRequire(join(repoRoot, 'packages/core/package.json'));

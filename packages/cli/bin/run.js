#!/usr/bin/env node
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tuneHeap } from '../dist/heap.js';
import { openBundle } from './load-bundle.js';

// oclif checks its own `engines` with semver (47 modules, a tenth of `etl validate`'s start-up); ours is stricter and
// checked by package managers and scripts/setup.sh.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = bundledCommand(root, process.argv.slice(2));
// A bundled command is current (it runs no command file of dist/, whatever oclif's list says of the others): leave
// the look through dist/ (~5 ms, as much as reading the bundle) to the next command that reads the list.
if (!bundle) dropStaleManifest(root);
// V8's heap settings (src/heap.ts): old-generation growth by half, young generation capped at 4 MB until a run that
// does not need it lifts the cap (and never for the bundled `etl validate`, whose code caches V8 checks against its
// flags).
tuneHeap({ capYoungGeneration: !bundle });
if (bundle) {
  const loaded = openBundle(bundle);
  // oclif ends a failed command with `process.exit`.
  process.once('exit', () => afterBundledRun(loaded));
  await loaded.load('bundle-entry.cjs').runBundled(root, process.argv.slice(2), 'validate', loaded.load);
} else {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}

// The command is done and has said everything: a keep-alive socket a server holds open (or any other idle handle)
// must not keep the process waiting for the server's timeout. Exit once stdout and stderr are flushed.
const flushed = (stream) => new Promise((resolve) => stream.write('', resolve));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(process.exitCode ?? 0);

/**
 * What the build and the tests ask of a bundled run: scripts/code-cache.js has it write the code caches; a test, say
 * which files were loaded and whether V8 took their caches (a JSON object, file → accepted, rejected or missing).
 */
function afterBundledRun(loaded) {
  if (process.env.ETL_BUNDLE_CACHE_WRITE === '1') loaded.writeCaches();
  const report = process.env.ETL_BUNDLE_CACHE_REPORT;
  if (report) writeFileSync(report, `${JSON.stringify(loaded.caches())}\n`);
}

/**
 * oclif lists commands from oclif.manifest.json when it is there (scripts/manifest.js, run by `pnpm run build`). In a
 * checkout, a plain `tsc -b` after that leaves dist/ newer than the manifest: drop it, so oclif imports the commands
 * themselves rather than trust a stale list. An installed package has no src/ and its manifest was built with it.
 */
function dropStaleManifest(root) {
  const manifest = join(root, 'oclif.manifest.json');
  const builtAt = statSync(manifest, { throwIfNoEntry: false })?.mtimeMs;
  if (builtAt === undefined || !existsSync(join(root, 'src'))) return;
  const dist = join(root, 'dist');
  const stale = readdirSync(dist, { recursive: true }).some(
    (file) => file.endsWith('.js') && statSync(join(dist, file)).mtimeMs > builtAt,
  );
  if (stale) rmSync(manifest, { force: true });
}

/**
 * The folder of the bundle `scripts/bundle.js` made of `etl validate` (what editors and CI run most, and where
 * start-up is most of the time), when this is that command, not its help, and the bundle is current: the manifest is
 * there, and none of the files the bundle was built from changed since (a plain `tsc -b`, a new install).
 */
function bundledCommand(root, args) {
  if (args[0] !== 'validate') return undefined;
  const options = args.slice(1, args.includes('--') ? args.indexOf('--') : undefined);
  if (options.some((arg) => arg === '--help' || arg === '-h')) return undefined;
  const bundle = join(root, 'dist', 'bundle');
  const builtAt = statSync(join(bundle, 'inputs.json'), { throwIfNoEntry: false })?.mtimeMs;
  if (builtAt === undefined || !existsSync(join(root, 'oclif.manifest.json'))) return undefined;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(join(bundle, 'inputs.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const current = inputs.every((file) => (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) <= builtAt);
  return current ? bundle : undefined;
}

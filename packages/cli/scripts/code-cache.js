#!/usr/bin/env node
// Writes V8's code cache of each file of dist/bundle/ that `etl validate` loads (bin/load-bundle.js), after the
// bundle (scripts/bundle.js) and the manifest it needs. The cache comes from a real run (the repository's own
// pipelines), started as `etl` starts, so it holds the functions validation compiles and was made under the V8 flags
// bin/run.js sets; a second run checks that V8 takes it. Part of `pnpm run build`; not published, like the bundle.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const report = join(root, 'dist', 'bundle', 'code-cache.json');

/** The caches of the files one `etl validate` of the repository's pipelines loaded (file → accepted, …). */
function validate(env) {
  rmSync(report, { force: true });
  const run = spawnSync(process.execPath, [join(root, 'bin/run.js'), 'validate'], {
    cwd: join(root, '../..'),
    env: { ...process.env, ...env, ETL_BUNDLE_CACHE_REPORT: report },
    encoding: 'utf8',
  });
  if (run.error) throw run.error;
  try {
    return JSON.parse(readFileSync(report, 'utf8'));
  } catch {
    throw new Error(`etl validate did not run from the bundle (exit ${run.status}): ${run.stderr}`);
  } finally {
    rmSync(report, { force: true });
  }
}

validate({ ETL_BUNDLE_CACHE_WRITE: '1' });
const caches = Object.entries(validate({}));
const refused = caches.filter(([, cache]) => cache !== 'accepted');
if (refused.length > 0) throw new Error(`V8 did not take the code cache of ${refused.map((c) => c.join(': '))}`);
console.log(`cached the code of the ${caches.length} files etl validate loads through its bundle`);

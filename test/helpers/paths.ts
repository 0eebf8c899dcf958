/** Where the repository, the CLI and the shared data sit, for tests that run the real thing. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliBin = join(repoRoot, 'packages/cli/bin/run.js');
export const sampleCsv = join(repoRoot, 'packages/sandbox/data/babyNamesUSYOB-sample.csv');

/** `../shared` beside the checkout (as CI lays it out), or the development machines' copy. */
export function sharedPath(relative: string): string | undefined {
  return [resolve(repoRoot, '../shared', relative), join('/work/shared', relative)].find((path) => existsSync(path));
}

/** The real SSA dataset in the Kaggle file's format, when present. */
export const fullDatasetZip = sharedPath('data/us-baby-names-by-year-of-birth.zip');

/**
 * Builds `dist/` before a test spawns the real CLI. `pnpm test` builds first anyway; this makes a test file runnable
 * on its own. Test files run in parallel, so builds take turns through a lock folder: two `tsc -b` writing the same
 * dist/ race. Type errors elsewhere do not stop tsc -b from emitting, so success is judged by the files that must exist.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const buildLock = join(tmpdir(), 'etl-test-build.lock');

/** `tsc -b <projects>` from the repository root, one build at a time; then checks that `mustExist` files are there. */
export async function buildOnce(projects: string[], mustExist: string[]): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(buildLock);
      break;
    } catch {
      const age = Date.now() - (statSync(buildLock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 300_000) rmSync(buildLock, { recursive: true, force: true }); // left by a killed run
      if (Date.now() > deadline) throw new Error(`waited 5 minutes for ${buildLock}; remove it if no test is running`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    await promisify(execFile)('npx', ['tsc', '-b', ...projects], { cwd: repoRoot, timeout: 300_000 }).catch(
      () => undefined,
    );
  } finally {
    rmSync(buildLock, { recursive: true, force: true });
  }
  for (const file of mustExist) {
    if (!existsSync(join(repoRoot, file)))
      throw new Error(`${file} is missing: run \`npx tsc -b ${projects.join(' ')}\` from ${repoRoot} to see why`);
  }
}

import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const isDir = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** The first folder from `start` up (itself included) for which `test` holds, or undefined at the filesystem root. */
function findUp(start: string, test: (dir: string) => boolean): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (test(dir)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Where the project-config search stops (docs/security.md, "Trust model"): the nearest folder at or above `cwd` with a
 * `pipelines/` folder or a `package.json`; else the git root; else `cwd` itself. Folders above it are never read: a
 * `.etlrc.js` planted in a shared temporary folder or a parent folder would otherwise run for whoever starts `etl`
 * below it. An etl config file alone does not make a project root, for the same reason.
 */
export function findProjectRoot(cwd: string): string {
  const start = resolve(cwd);
  return (
    findUp(start, (dir) => isDir(resolve(dir, 'pipelines')) || existsSync(resolve(dir, 'package.json'))) ??
    findUp(start, (dir) => existsSync(resolve(dir, '.git'))) ??
    start
  );
}

/** `cwd`, its parent, … up to and including `root` (which must be `cwd` or above it). */
export function foldersUpTo(cwd: string, root: string): string[] {
  const folders: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    folders.push(dir);
    if (dir === root || dirname(dir) === dir) return folders;
  }
}

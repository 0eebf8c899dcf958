import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { PluginLoadError } from '../errors.js';

/**
 * Folders a `use: ./path` may load code from (docs/security.md, "Trust model"): the project root, its pipelines
 * folder and its `pluginPaths`. The last two may lie outside the root: the project config names them, so the project
 * allows them. Anything else (`../../elsewhere.js`, `/tmp/x.js`) is refused before it is imported.
 */
export function projectPluginRoots(project: { root: string; pipelinesDir: string; pluginPaths: string[] }): string[] {
  return [project.root, project.pipelinesDir, ...project.pluginPaths];
}

/** The real path (symlinks followed, so a link inside the project cannot point out of it), or the path as given. */
const real = (path: string): string => {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
};

const inside = (file: string, dir: string): boolean => {
  const rel = relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** True when `file` (symlinks followed) lies inside one of `roots`. */
export const isInsideAny = (file: string, roots: string[]): boolean => {
  const target = real(file);
  return roots.some((root) => inside(target, real(root)));
};

/** Throws a PluginLoadError when `file` (a resolved `use:` path) is outside every allowed root. */
export function assertPluginPathAllowed(file: string, use: string, roots: string[]): void {
  if (isInsideAny(file, roots)) return;
  const target = real(file);
  throw new PluginLoadError(`Plugin path ${use} resolves to ${target}, outside the project (${roots.join(', ')})`, {
    code: 'PLUGIN_PATH_OUTSIDE_PROJECT',
    suggestions: [
      'Keep plugin files inside the project, e.g. use: ./plugins/my-plugin.js.',
      'Or add the folder to pluginPaths in the project config (etl.config.*) to allow code from there.',
    ],
    context: { use, file: target },
  });
}

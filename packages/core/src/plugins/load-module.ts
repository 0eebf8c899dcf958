import { existsSync, realpathSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { moduleResolve } from 'import-meta-resolve';

/** Loads a module by package name (resolved from `fromDir`) or absolute path; the resolver's default loader. */
export type ModuleLoader = (specifier: string, fromDir: string) => Promise<unknown>;

/** Thrown when the specifier itself cannot be found (as opposed to a module that fails while loading). */
export class ModuleNotFound extends Error {
  readonly code = 'MODULE_NOT_FOUND';
  constructor(
    readonly specifier: string,
    readonly fromDir: string,
  ) {
    super(`Cannot find module '${specifier}' from ${fromDir}`);
  }
}

/** The module was found at `file` but importing it failed. */
export class ModuleLoadFailed extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`${file}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/** Export conditions to honour: Node's defaults plus any given with `--conditions` / `-C` (e.g. `@etl/source`, which points workspace packages at their TypeScript). */
export function activeConditions(): string[] {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const extra: string[] = [];
  args.forEach((arg, index) => {
    const inline = /^(?:--conditions|-C)=(.+)$/.exec(arg);
    if (inline) extra.push(inline[1]);
    else if ((arg === '--conditions' || arg === '-C') && args[index + 1]) extra.push(args[index + 1]);
  });
  return [...extra, 'import', 'node', 'default'];
}

/**
 * Plugin modules a process carries in its own bundle (the CLI's, `packages/cli/scripts/bundle.js`), each by the real
 * path of the file it was built from, as a function that imports the bundled copy.
 */
export type BundledModules = Map<string, () => Promise<unknown>>;

/**
 * The default loader: Node-style package resolution (honouring `exports` conditions), then `import()`. A file found
 * in `bundled` is taken from there instead: the bundled copy shares the bundle's `@etl/core`, as the file would share
 * the unbundled one.
 */
export function createModuleLoader(
  conditions: string[] = activeConditions(),
  bundled: BundledModules = new Map(),
): ModuleLoader {
  return async (specifier, fromDir) => {
    let file: string | undefined;
    try {
      file = isAbsolute(specifier) ? findFile(specifier) : resolvePackage(specifier, fromDir, conditions);
    } catch (error) {
      throw new ModuleLoadFailed(specifier, error);
    }
    if (file === undefined) throw new ModuleNotFound(specifier, fromDir);
    const fromBundle = bundled.size > 0 ? bundled.get(realpathSync(file)) : undefined;
    if (!fromBundle) lendCoreTo(file, conditions);
    try {
      return await (fromBundle ? fromBundle() : import(pathToFileURL(file).href));
    } catch (error) {
      throw new ModuleLoadFailed(file, error);
    }
  };
}

/** The folder of the package holding `file` (the nearest folder above it with a package.json). */
function packageRoot(file: string): string | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return realpathSync(dir);
    if (dirname(dir) === dir) return undefined;
  }
}

let lending = false;

/**
 * Makes sure the plugin in `file` gets this `@etl/core` (its peer dependency): when `@etl/core` resolves from there to
 * another copy, or not at all (a plugin in a project, the CLI installed globally), registers the resolve hooks of
 * `lend-core-hooks.ts` once, before the plugin is imported. Most plugins share the copy already and cost one lookup.
 */
function lendCoreTo(file: string, conditions: string[]): void {
  if (lending) return;
  let theirs: string | undefined;
  try {
    theirs = packageRoot(fileURLToPath(moduleResolve('@etl/core', pathToFileURL(file), new Set(conditions), false)));
  } catch {
    theirs = undefined;
  }
  if (theirs !== undefined && theirs === packageRoot(fileURLToPath(import.meta.url))) return;
  const hooks = new URL('./lend-core-hooks.js', import.meta.url);
  // Run from the TypeScript sources (the repository's tests), there are no compiled hooks to register.
  if (!existsSync(fileURLToPath(hooks))) return;
  lending = true;
  register(hooks, { data: { parentURL: import.meta.url } });
}

/** A path as written, or with a JavaScript extension / index file added. */
function findFile(path: string): string | undefined {
  for (const candidate of [
    path,
    `${path}.js`,
    `${path}.mjs`,
    `${path}.cjs`,
    join(path, 'index.js'),
    join(path, 'index.mjs'),
  ]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/**
 * Resolves a bare specifier from `fromDir` exactly as `import` would (exports maps with patterns and conditions,
 * `main`, extension-less legacy mains), through import-meta-resolve: Node's own algorithm, kept as a library because
 * `import.meta.resolve` cannot take a parent folder. Undefined when the package is not installed there or above;
 * a package that is installed but broken (an exported file missing, a subpath not exported) throws.
 */
export function resolvePackage(specifier: string, fromDir: string, conditions: string[]): string | undefined {
  const packageName = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  try {
    return fileURLToPath(moduleResolve(specifier, pathToFileURL(join(fromDir, 'noop.js')), new Set(conditions), false));
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (code === 'ERR_MODULE_NOT_FOUND' && message?.includes(`Cannot find package '${packageName}'`)) return undefined;
    throw error;
  }
}

import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Loads a module by package name (resolved from `fromDir`) or absolute path; the resolver's default loader. */
export type ModuleLoader = (specifier: string, fromDir: string) => Promise<unknown>;

/** Thrown when the specifier itself cannot be found (as opposed to a module that fails while loading). */
export class ModuleNotFound extends Error {
  readonly code = 'MODULE_NOT_FOUND';
  constructor(readonly specifier: string, readonly fromDir: string) {
    super(`Cannot find module '${specifier}' from ${fromDir}`);
  }
}

/** The module was found at `file` but importing it failed. */
export class ModuleLoadFailed extends Error {
  constructor(readonly file: string, cause: unknown) {
    super(`${file}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/** Export conditions to honour: Node's defaults plus any given with `--conditions` / `-C` (e.g. `development`). */
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

/** The default loader: Node-style package resolution (honouring `exports` conditions), then `import()`. */
export function createModuleLoader(conditions: string[] = activeConditions()): ModuleLoader {
  return async (specifier, fromDir) => {
    const file = isAbsolute(specifier) ? findFile(specifier) : resolvePackage(specifier, fromDir, conditions);
    if (file === undefined) throw new ModuleNotFound(specifier, fromDir);
    try {
      return await import(pathToFileURL(file).href);
    } catch (error) {
      throw new ModuleLoadFailed(file, error);
    }
  };
}

/** A path as written, or with a JavaScript extension / index file added. */
function findFile(path: string): string | undefined {
  for (const candidate of [path, `${path}.js`, `${path}.mjs`, `${path}.cjs`, join(path, 'index.js'), join(path, 'index.mjs')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Resolves a bare specifier from `fromDir` up through every `node_modules`, as `import` would. */
export function resolvePackage(specifier: string, fromDir: string, conditions: string[]): string | undefined {
  const parts = specifier.split('/');
  const packageName = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const subpath = specifier.slice(packageName.length);
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const packageDir = join(dir, 'node_modules', packageName);
    const manifestFile = join(packageDir, 'package.json');
    if (existsSync(manifestFile)) {
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { exports?: unknown; main?: string; module?: string };
      if (manifest.exports !== undefined) {
        const target = exportTarget(manifest.exports, `.${subpath}`, conditions);
        return target === undefined ? undefined : findFile(join(packageDir, target));
      }
      return findFile(join(packageDir, subpath || manifest.main || 'index.js'));
    }
    if (dirname(dir) === dir) break;
  }
  // Global folders (NODE_PATH) and other corners of Node's algorithm.
  try {
    const found = createRequire(join(fromDir, 'noop.js')).resolve(specifier);
    return isAbsolute(found) ? found : undefined;
  } catch {
    return undefined;
  }
}

function exportTarget(exports: unknown, subpath: string, conditions: string[]): string | undefined {
  const isSubpathMap = typeof exports === 'object' && exports !== null && !Array.isArray(exports) && Object.keys(exports).some((key) => key.startsWith('.'));
  if (!isSubpathMap) return subpath === '.' ? pickCondition(exports, conditions) : undefined;
  const entry = (exports as Record<string, unknown>)[subpath];
  return entry === undefined ? undefined : pickCondition(entry, conditions);
}

function pickCondition(target: unknown, conditions: string[]): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = pickCondition(item, conditions);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof target === 'object' && target !== null) {
    for (const [key, value] of Object.entries(target)) {
      if (key === 'default' || conditions.includes(key)) {
        const found = pickCondition(value, conditions);
        if (found !== undefined) return found;
      }
    }
  }
  return undefined;
}

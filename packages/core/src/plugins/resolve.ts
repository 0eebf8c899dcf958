import { existsSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { InstalledPlugin, PluginResolver } from '../config/types.js';
import { PluginLoadError } from '../errors.js';
import { closest } from '../config/levenshtein.js';
import { pluginFromModule } from './check-plugin.js';
import { assertPluginPathAllowed, isInsideAny } from './path-policy.js';
import {
  activeConditions,
  type BundledModules,
  createModuleLoader,
  ModuleLoadFailed,
  resolvePackage,
  type ModuleLoader,
} from './load-module.js';
import type { Plugin, PluginFactory } from './types.js';

export interface PluginResolverOptions {
  /**
   * Folders packages are resolved from, after the pipeline file's own folder: the project's `pluginPaths`, the
   * project root, then the CLI's own install.
   */
  searchPaths: string[];
  /** Plugins known by name without loading anything (core's transforms). */
  builtins?: Record<string, PluginFactory>;
  /** Loads a package name or absolute path from a folder; injectable so tests can use an in-memory map. */
  loader?: ModuleLoader;
  /** For the default loader: plugin modules this process carries bundled (`BundledModules`). */
  bundled?: BundledModules;
  /**
   * Folders a `use:` path may point into (`projectPluginRoots`); a path outside all of them is refused before it is
   * loaded. Unset: any path (library callers that do their own checks). The CLI always sets it.
   */
  pathRoots?: string[];
  /**
   * Folders of etl's own install (the CLI's package folder): a name resolved from there may come from wherever Node's
   * resolution reaches (a global install's siblings). A name resolved from any other search folder must land inside
   * `pathRoots`, so a `node_modules/etl-plugin-x` planted in a folder above the project is never loaded. Applies with
   * `pathRoots` and the default loader.
   */
  installRoots?: string[];
}

/** Whether `use:` is a file path (relative to the pipeline file) rather than a plugin name. */
export const isPathSpecifier = (use: string): boolean =>
  use.startsWith('./') || use.startsWith('../') || isAbsolute(use);

/** The packages tried for `use: NAME`, in order (docs/pipeline-format.md, "Plugin names"). */
export function pluginCandidates(use: string): string[] {
  // `@scope/name` is a third party's `@scope/etl-plugin-name`, or a package name as written.
  const scoped = /^(@[^/]+)\/([^/]+)$/.exec(use);
  if (scoped && !scoped[2].startsWith('etl-plugin-')) return [`${scoped[1]}/etl-plugin-${scoped[2]}`, use];
  // Any other name with a slash (a subpath) is a package name already.
  if (use.includes('/')) return [use];
  return [`@etl/source-${use}`, `@etl/sink-${use}`, `@etl/transform-${use}`, `etl-plugin-${use}`, use];
}

/** A loader error that means "this candidate does not exist", which is the only kind the search may skip. */
function isNotFound(error: unknown, specifier: string): boolean {
  if (error instanceof ModuleLoadFailed) return false;
  const {
    code,
    message,
    specifier: missing,
  } = (error ?? {}) as { code?: unknown; message?: unknown; specifier?: unknown };
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return false;
  return (
    missing === specifier ||
    (typeof message === 'string' && (message.includes(`'${specifier}'`) || message.includes(`"${specifier}"`)))
  );
}

/** Finds plugins by name or path, loads them, and checks their shape. */
export function createPluginResolver(options: PluginResolverOptions): PluginResolver {
  const builtins = options.builtins ?? {};
  const loader = options.loader ?? createModuleLoader(undefined, options.bundled);

  const load = async (use: string, specifier: string, fromDir: string): Promise<unknown> => {
    try {
      return await loader(specifier, fromDir);
    } catch (error) {
      if (isNotFound(error, specifier)) throw error;
      const file = error instanceof ModuleLoadFailed ? error.file : specifier;
      const cause = error instanceof ModuleLoadFailed ? error.cause : error;
      throw new PluginLoadError(
        `Plugin "${use}" failed to load from ${file}: ${(cause as Error)?.message ?? String(cause)}`,
        {
          code: 'PLUGIN_LOAD_FAILED',
          cause,
          suggestions: [
            'The plugin was found but threw while loading: reinstall it, check its dependencies, or report it to its authors.',
          ],
          context: { use, file },
        },
      );
    }
  };

  const installRoots = (options.installRoots ?? []).map((dir) => resolvePath(dir));
  const conditions = activeConditions();
  /** A name that, resolved from a project folder, would load code from outside the project (see `installRoots`). */
  const outsideProject = (candidate: string, dir: string): boolean => {
    if (!options.pathRoots || options.loader || installRoots.includes(dir)) return false;
    let file: string | undefined;
    try {
      file = resolvePackage(candidate, dir, conditions);
    } catch {
      return false; // installed but broken: the loader reports it
    }
    return file !== undefined && !isInsideAny(file, options.pathRoots);
  };

  const resolve = async (use: string, pipelineDir: string): Promise<{ plugin: Plugin; from: string }> => {
    const builtin = Object.hasOwn(builtins, use) ? builtins[use] : undefined;
    if (builtin) return { plugin: pluginFromModule({ default: builtin }, use, 'builtin'), from: 'builtin' };

    if (isPathSpecifier(use)) {
      const file = resolvePath(pipelineDir, use);
      if (options.pathRoots) assertPluginPathAllowed(file, use, options.pathRoots);
      try {
        return { plugin: pluginFromModule(await load(use, file, pipelineDir), use, file), from: file };
      } catch (error) {
        if (!isNotFound(error, file)) throw error;
        throw new PluginLoadError(`Plugin file not found: ${file} (use: ${use}, relative to ${pipelineDir})`, {
          code: 'PLUGIN_NOT_FOUND',
          suggestions: [
            'A path in `use:` is relative to the pipeline file; check it, including the extension (.js, .mjs).',
          ],
          context: { use, file },
        });
      }
    }

    const dirs = [...new Set([pipelineDir, ...options.searchPaths].map((dir) => resolvePath(dir)))];
    const candidates = pluginCandidates(use);
    for (const candidate of candidates) {
      for (const dir of dirs) {
        if (outsideProject(candidate, dir)) continue;
        let module: unknown;
        try {
          module = await load(use, candidate, dir);
        } catch (error) {
          if (isNotFound(error, candidate)) continue;
          throw error;
        }
        return { plugin: pluginFromModule(module, use, candidate, use), from: candidate };
      }
    }
    const installed = findPluginPackages(dirs).map((found) => found.use);
    throw notFound(use, candidates, dirs, Object.keys(builtins), installed);
  };

  const listInstalled = async (): Promise<InstalledPlugin[]> => {
    const found: InstalledPlugin[] = [];
    for (const [name, factory] of Object.entries(builtins)) {
      found.push({
        use: name,
        package: 'builtin',
        from: 'builtin',
        plugin: pluginFromModule({ default: factory }, name, 'builtin'),
      });
    }
    for (const { packageName, use, dir } of findPluginPackages(options.searchPaths)) {
      try {
        const plugin = pluginFromModule(await load(use, packageName, dir), use, packageName, use);
        found.push({ use, package: packageName, from: packageName, plugin });
      } catch (error) {
        found.push({ use, package: packageName, from: packageName, error: (error as Error).message });
      }
    }
    return found;
  };

  return { resolve, listInstalled };
}

function notFound(
  use: string,
  candidates: string[],
  dirs: string[],
  builtins: string[],
  installed: string[] = [],
): PluginLoadError {
  const tried = [...(builtins.length > 0 ? [`the built-ins (${builtins.join(', ')})`] : []), ...candidates];
  const installable = candidates.filter((candidate) => candidate !== use || use.includes('/'));
  const similar = closest(use, [...builtins, ...installed]);
  const kind = similar === undefined ? '' : builtins.includes(similar) ? 'the built-in' : 'the installed plugin';
  return new PluginLoadError(`Plugin "${use}" not found. Tried ${tried.join(', ')}, from ${dirs.join(', ')}.`, {
    code: 'PLUGIN_NOT_FOUND',
    suggestions: [
      ...(similar ? [`Did you mean ${kind} \`${similar}\`?`] : []),
      `Install the plugin, e.g. ${installable.map((name) => `\`pnpm add ${name}\``).join(' or ')}.`,
      `Or point \`use:\` at a file relative to the pipeline: \`use: ./plugins/${use}.js\`.`,
    ],
    context: { use, candidates, dirs, ...(similar ? { similar } : {}) },
  });
}

/**
 * `@etl/source-*`, `@etl/sink-*`, `@etl/transform-*`, `etl-plugin-*` and `@scope/etl-plugin-*` in every node_modules
 * above the search paths. Listing folders loads nothing, so this is cheap enough for a "did you mean".
 */
function findPluginPackages(searchPaths: string[]): Array<{ packageName: string; use: string; dir: string }> {
  const found = new Map<string, { packageName: string; use: string; dir: string }>();
  for (const start of searchPaths) {
    for (let dir = resolvePath(start); ; dir = dirname(dir)) {
      const modules = join(dir, 'node_modules');
      if (existsSync(modules)) {
        for (const entry of safeList(join(modules, '@etl'))) {
          const match = /^(?:source|sink|transform)-(.+)$/.exec(entry);
          if (match && !found.has(`@etl/${entry}`))
            found.set(`@etl/${entry}`, { packageName: `@etl/${entry}`, use: match[1], dir });
        }
        for (const entry of safeList(modules)) {
          const match = /^etl-plugin-(.+)$/.exec(entry);
          if (match && !found.has(entry)) found.set(entry, { packageName: entry, use: match[1], dir });
          if (!entry.startsWith('@') || entry === '@etl') continue;
          for (const scoped of safeList(join(modules, entry))) {
            const inScope = /^etl-plugin-(.+)$/.exec(scoped);
            const packageName = `${entry}/${scoped}`;
            if (inScope && !found.has(packageName))
              found.set(packageName, { packageName, use: `${entry}/${inScope[1]}`, dir });
          }
        }
      }
      if (dirname(dir) === dir) break;
    }
  }
  return [...found.values()];
}

const safeList = (dir: string): string[] => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

import type { ConfigIssue } from '../errors.js';
import type { ResolvedPipeline } from '../pipeline/types.js';
import type { BundledModules } from '../plugins/load-module.js';
import type { PluginFactory } from '../plugins/types.js';
import { createPluginResolver } from '../plugins/resolve.js';
import { projectPluginRoots } from '../plugins/path-policy.js';
import { schemasOnlyResolver } from '../plugins/schemas-only.js';
import * as transforms from '../transforms/index.js';
import { sortIssues } from './issues.js';
import { loadPipeline } from './load.js';
import { findPipelineFile, loadProjectConfig } from './project.js';
import type { PluginResolver, ProjectConfig } from './types.js';
import { validatePipeline } from './validate.js';

export interface PrepareOptions {
  /** Where the project config search starts and relative paths are resolved. @default process.cwd() */
  cwd?: string;
  profile?: string;
  sets?: string[];
  skips?: string[];
  /** @default process.env */
  env?: Record<string, string | undefined>;
  /** @default a resolver over the project's plugin paths, its root and `extraSearchPaths`, with core's transforms */
  resolver?: PluginResolver;
  /** More folders to resolve plugin packages from (the CLI passes its own install). */
  extraSearchPaths?: string[];
  /** Plugin modules the calling process carries bundled (the CLI's shipped plugins), for the default resolver. */
  bundled?: BundledModules;
  /**
   * Report unset `${env:…}` variables as `warnings` instead of `issues` (they are listed in `unsetEnv` either way):
   * for `etl validate`, which runs where secrets are absent on purpose (CI, editors, a reviewer's laptop). `etl run`
   * leaves this off: a run cannot start without them. @default false
   */
  allowUnsetEnv?: boolean;
  /**
   * Import no plugin code (`etl validate --schemas-only`, for CI on untrusted branches): the envelope, wiring and
   * built-in transforms are checked; other steps are listed in `notImported` with their config unchecked. @default true
   */
  importPlugins?: boolean;
}

export interface PreparedPipeline {
  /** Resolved steps in topological order; only fit to run when `issues` is empty. */
  pipeline: ResolvedPipeline;
  issues: ConfigIssue[];
  /** Problems that do not stop a run from being valid (`severity: 'warning'`), sorted by position. */
  warnings: ConfigIssue[];
  unsetEnv: string[];
  project: ProjectConfig;
  /** Steps whose plugin was not imported (`importPlugins: false`); their config was not checked. */
  notImported: Array<{ step: string; use: string }>;
}

/** Core's built-in transforms, when that module provides them. */
export function builtinPlugins(): Record<string, PluginFactory> {
  return ((transforms as Record<string, unknown>).builtinTransforms as Record<string, PluginFactory> | undefined) ?? {};
}

/** The default resolver for a project: plugin paths, then the project root, then `extra` (the CLI's install). */
export function projectResolver(
  project: ProjectConfig,
  extra: string[] = [],
  bundled?: BundledModules,
): PluginResolver {
  return createPluginResolver({
    searchPaths: [...project.pluginPaths, project.root, ...extra],
    builtins: builtinPlugins(),
    pathRoots: projectPluginRoots(project),
    installRoots: extra,
    bundled,
  });
}

/**
 * Everything between a pipeline name and a runnable pipeline: project config, file lookup, load (profile, --set,
 * --skip, env), validation and plugin resolution. Problems in the files come back as `issues` (sorted by position);
 * only unreadable files and a broken project config throw. `etl run` turns issues into `configErrorFrom(...)`.
 */
export async function preparePipeline(nameOrFile: string, options: PrepareOptions = {}): Promise<PreparedPipeline> {
  const cwd = options.cwd ?? process.cwd();
  const project = await loadProjectConfig(cwd);
  const file = findPipelineFile(nameOrFile, project, cwd);
  const loaded = await loadPipeline(file, {
    profile: options.profile,
    sets: options.sets,
    skips: options.skips,
    env: options.env,
    defaults: project.defaults,
    defaultsFile: project.configFile,
  });
  const warnings: ConfigIssue[] = [];
  if (options.allowUnsetEnv) {
    const unset = new Set(loaded.unsetIssues);
    loaded.issues = loaded.issues.filter((issue) => !unset.has(issue));
    warnings.push(...loaded.unsetIssues.map((issue): ConfigIssue => ({ ...issue, severity: 'warning' })));
  }
  const full = options.resolver ?? projectResolver(project, options.extraSearchPaths, options.bundled);
  const resolver =
    options.importPlugins === false
      ? schemasOnlyResolver(full, Object.keys(builtinPlugins()), projectPluginRoots(project))
      : full;
  const { issues, pipeline, notImported } = await validatePipeline(loaded, resolver);
  return {
    pipeline,
    issues: sortIssues(issues),
    warnings: sortIssues(warnings),
    unsetEnv: loaded.unsetEnv,
    project,
    notImported,
  };
}

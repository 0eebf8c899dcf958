/**
 * The config side of core: project config, pipeline loading (profiles, --set, --skip, env), validation with
 * positions, plugin resolution and the editor schema.
 */
export type {
  ProjectConfig,
  SourceLocation,
  SourceMap,
  DocPath,
  LoadedPipeline,
  LoadPipelineOptions,
  InstalledPlugin,
  PluginResolver,
} from './types.js';
export { loadProjectConfig, loadDotenv, findPipelineFile, listPipelineFiles, projectConfigSchema } from './project.js';
export { loadPipeline, loadPipelineText } from './load.js';
export { validatePipeline, type ValidationResult } from './validate.js';
export {
  preparePipeline,
  projectResolver,
  builtinPlugins,
  type PrepareOptions,
  type PreparedPipeline,
} from './prepare.js';
export { buildPipelineSchema } from './schema.js';
export { pipelineEnvelopeSchema } from './envelope-schema.js';
export { formatIssue, sortIssues, configErrorFrom } from './issues.js';
export { parseDuration } from './duration.js';
export { applyConfigDefaults } from './ajv.js';
export { addPrecompiledValidators, loadValidatorsWith } from './precompiled.js';
export { getByPath, setByPath, parsePath, formatPath } from './paths.js';
export { secretPaths } from './secrets.js';
export {
  createPluginResolver,
  pluginCandidates,
  isPathSpecifier,
  type PluginResolverOptions,
} from '../plugins/resolve.js';
export { createModuleLoader, type BundledModules, type ModuleLoader } from '../plugins/load-module.js';
export { projectPluginRoots, assertPluginPathAllowed } from '../plugins/path-policy.js';
export { schemasOnlyResolver, PLUGIN_NOT_IMPORTED } from '../plugins/schemas-only.js';

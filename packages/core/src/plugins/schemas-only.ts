import type { PluginResolver } from '../config/types.js';
import { PluginLoadError } from '../errors.js';
import { assertPluginPathAllowed } from './path-policy.js';
import { isPathSpecifier } from './resolve.js';
import { resolve as resolvePath } from 'node:path';

/** The code of the error that tells `validatePipeline` a step's plugin was deliberately not imported. */
export const PLUGIN_NOT_IMPORTED = 'PLUGIN_NOT_IMPORTED';

/**
 * A resolver for `etl validate --schemas-only`: built-in plugins (core's transforms, already in memory) resolve as
 * usual; every other `use:` is reported as not imported, so no plugin code runs. A `use:` path is still checked
 * against the project's allowed folders, which needs no import. See docs/security.md ("What code runs, and when").
 */
export function schemasOnlyResolver(inner: PluginResolver, builtins: string[], pathRoots?: string[]): PluginResolver {
  const known = new Set(builtins);
  return {
    async resolve(use, pipelineDir) {
      if (known.has(use)) return inner.resolve(use, pipelineDir);
      if (isPathSpecifier(use) && pathRoots) assertPluginPathAllowed(resolvePath(pipelineDir, use), use, pathRoots);
      throw new PluginLoadError(`Plugin "${use}" was not imported (--schemas-only): its config was not checked`, {
        code: PLUGIN_NOT_IMPORTED,
        context: { use },
      });
    },
    listInstalled: async () => (await inner.listInstalled()).filter((plugin) => known.has(plugin.use)),
  };
}

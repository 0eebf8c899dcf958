/**
 * The plugins the CLI ships with, imported by name from here so that a bundle of the CLI (scripts/bundle.js) carries
 * them beside its own `@etl/core`. Unbundled, each import is the very module the resolver would load.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BundledModules } from '@etl/core';

const imports: Record<string, () => Promise<unknown>> = {
  '@etl/source-kaggle': () => import('@etl/source-kaggle'),
  '@etl/sink-mysql': () => import('@etl/sink-mysql'),
  '@etl/sink-hubspot': () => import('@etl/sink-hubspot'),
  '@etl/sink-pipedrive': () => import('@etl/sink-pipedrive'),
};

/**
 * The shipped plugins by the real path of their entry file: a `use:` that resolves to that very file (not another
 * version installed in the project) is imported from here.
 */
export function shippedPlugins(): BundledModules {
  const shipped: BundledModules = new Map();
  for (const [name, load] of Object.entries(imports)) {
    try {
      shipped.set(realpathSync(fileURLToPath(import.meta.resolve(name))), load);
    } catch {
      // not installed beside the CLI: the resolver finds it elsewhere, or says it is missing
    }
  }
  return shipped;
}

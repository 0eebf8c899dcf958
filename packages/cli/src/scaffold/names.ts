import { ConfigError } from '@etl/core';

export type PluginKindName = 'source' | 'transform' | 'sink';

/** What one name given to `etl new plugin` becomes. */
export interface PluginNames {
  /** What pipelines write in `use:` (`acme-sink`, or `@acme/crm` for a scoped package). */
  use: string;
  /** The npm package: `etl-plugin-<use>` or `@scope/etl-plugin-<name>`, so `use:` finds it by name. */
  packageName: string;
  /** The folder created by default: the last part of the name. */
  dirName: string;
  /** The factory function's name, e.g. `acmeSink`. */
  factory: string;
}

const PART = /^[a-z0-9][a-z0-9._-]*$/;

/** `acme-sink`, `etl-plugin-acme-sink`, `@acme/crm` or `@acme/etl-plugin-crm` → the names of the new package. */
export function pluginNames(name: string): PluginNames {
  const scoped = /^(@[a-z0-9][a-z0-9._-]*)\/(.+)$/.exec(name);
  const scope = scoped?.[1];
  const bare = (scoped?.[2] ?? name).replace(/^etl-plugin-/, '');
  if (!PART.test(bare) || (scoped && !PART.test(scoped[1].slice(1)))) {
    throw new ConfigError(`"${name}" cannot be a plugin name.`, [], {
      code: 'USAGE_PLUGIN_NAME',
      suggestions: [
        'Use lowercase letters, digits and dashes, optionally with an npm scope: `acme-sink`, `@acme/crm`.',
      ],
    });
  }
  const words = bare.split(/[^a-z0-9]+/).filter(Boolean);
  const camel = words.map((word, i) => (i === 0 ? word : word[0].toUpperCase() + word.slice(1))).join('');
  return {
    use: scope ? `${scope}/${bare}` : bare,
    packageName: scope ? `${scope}/etl-plugin-${bare}` : `etl-plugin-${bare}`,
    dirName: bare,
    factory: /^[0-9]/.test(camel) ? `plugin${camel}` : camel,
  };
}

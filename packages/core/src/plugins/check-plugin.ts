import { PluginLoadError } from '../errors.js';
import type { Plugin, PluginFactory } from './types.js';

const REQUIRED_HOOK = { source: 'read', transform: 'create', sink: 'write' } as const;

const describeValue = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;

/**
 * Picks the plugin a module provides for `use:` (its default export, or the one named `name` in its `plugins`
 * array), calls the factory, and checks the result's shape. Every problem is a PluginLoadError saying exactly what
 * is wrong and what a plugin must look like.
 */
export function pluginFromModule(module: unknown, use: string, from: string, wanted?: string): Plugin {
  const invalid = (what: string): PluginLoadError =>
    new PluginLoadError(`Invalid plugin "${use}" (${from}): ${what}`, {
      code: 'PLUGIN_INVALID',
      suggestions: [
        'A plugin module default-exports a factory such as `export default () => defineSink({ name, configSchema, write })`, or exports `plugins: [...]`.',
      ],
      context: { use, from },
    });
  if (typeof module !== 'object' || module === null)
    throw invalid(`the module is ${describeValue(module)}, not a module object`);
  const exports = module as { default?: unknown; plugins?: unknown };

  let entries: unknown[];
  if (exports.default !== undefined) entries = [exports.default];
  else if (Array.isArray(exports.plugins)) entries = exports.plugins;
  else throw invalid('the module has neither a default export nor a `plugins` array');

  const plugins = entries.map((entry, index) => instantiate(entry, index));
  function instantiate(entry: unknown, index: number): Plugin {
    const where = entries.length > 1 ? `plugins[${index}]` : 'the default export';
    let value = entry;
    if (typeof entry === 'function') {
      try {
        value = (entry as PluginFactory)();
      } catch (error) {
        throw new PluginLoadError(
          `Plugin "${use}" (${from}): its factory threw: ${(error as Error)?.message ?? String(error)}`,
          {
            code: 'PLUGIN_FACTORY_FAILED',
            cause: error,
            suggestions: ['This is a bug in the plugin; check its version or report it to its authors.'],
            context: { use, from },
          },
        );
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalid(`${where} must be a plugin object or a factory returning one, but it is ${describeValue(value)}`);
    }
    return checkShape(value as Record<string, unknown>, invalid);
  }

  if (plugins.length === 1) return plugins[0];
  const match = plugins.find((plugin) => plugin.name === (wanted ?? use));
  if (!match)
    throw invalid(
      `the module provides ${plugins.map((p) => `"${p.name}"`).join(', ') || 'no plugins'}, none named "${wanted ?? use}"`,
    );
  return match;
}

function checkShape(value: Record<string, unknown>, invalid: (what: string) => PluginLoadError): Plugin {
  if (typeof value.name !== 'string' || value.name === '') throw invalid('a plugin must have a `name` string');
  const kind = value.kind;
  if (kind !== 'source' && kind !== 'transform' && kind !== 'sink') {
    throw invalid(`\`kind\` must be "source", "transform" or "sink", not ${JSON.stringify(kind) ?? 'undefined'}`);
  }
  if (typeof value.configSchema !== 'object' || value.configSchema === null || Array.isArray(value.configSchema)) {
    throw invalid('a plugin must have a `configSchema` object (a JSON Schema of its config)');
  }
  const hook = REQUIRED_HOOK[kind];
  if (typeof value[hook] !== 'function') throw invalid(`a ${kind} must have ${hook}()`);
  return value as unknown as Plugin;
}

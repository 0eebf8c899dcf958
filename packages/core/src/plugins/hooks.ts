import type { PluginKind } from './types.js';

/**
 * How a plugin must have a hook: `required` (the runtime refuses a plugin without it), `expected` (the runtime copes
 * without it, the contract kit does not: a sink that cannot name its destination cannot keep state per destination),
 * or `optional`.
 */
export type HookNeed = 'required' | 'expected' | 'optional';

/**
 * Every hook of each kind of plugin, in lifecycle order. The one table behind the runtime's shape check, the contract
 * kit's shape test and the check that `docs/plugin-authoring.md` documents every hook.
 */
export const PLUGIN_HOOKS: Readonly<Record<PluginKind, Readonly<Record<string, HookNeed>>>> = {
  source: { check: 'optional', checkConfig: 'optional', inputVersion: 'optional', read: 'required', close: 'optional' },
  transform: { check: 'optional', checkConfig: 'optional', create: 'required', stateKeys: 'optional' },
  sink: {
    check: 'optional',
    checkConfig: 'optional',
    destination: 'expected',
    setup: 'optional',
    restore: 'optional',
    reconcile: 'optional',
    write: 'required',
    close: 'optional',
    migrate: 'optional',
  },
};

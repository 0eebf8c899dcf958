/**
 * Public API of @etl/core. Plugins should import types from `@etl/core/plugin` and helpers from here.
 */
export type * from './plugins/types.js';
export type * from './pipeline/types.js';
export * from './errors.js';
export { defineSource, defineTransform, defineSink, rejectRecord, isRejection } from './plugins/define.js';
export { PLUGIN_HOOKS, type HookNeed } from './plugins/hooks.js';
export * from './config/index.js';
export * from './runtime/index.js';
export * from './services/index.js';
export * from './transforms/index.js';
export * from './http/index.js';

/** Built-in transforms (usable by name in `use:`) and the template engine they and plugins share. */
import type { PluginFactory } from '../plugins/types.js';
import { computeTransform } from './compute.js';
import { dedupeTransform } from './dedupe.js';
import { filterTransform } from './filter.js';
import { selectTransform } from './select.js';
import { validateTransform } from './validate.js';

export { compileTemplate, slugify, templateFilters } from './template.js';
export type { CompiledTemplate, CompileTemplateOptions } from './template.js';
export { selectTransform, validateTransform, dedupeTransform, computeTransform, filterTransform };
export type { SelectConfig } from './select.js';
export type { ValidateConfig, FieldRule } from './validate.js';
export type { DedupeConfig } from './dedupe.js';
export type { ComputeConfig } from './compute.js';
export type { FilterConfig, FilterCondition } from './filter.js';

/** The transforms `use:` finds by name before looking for packages. */
export const builtinTransforms: Record<string, PluginFactory> = {
  select: selectTransform,
  validate: validateTransform,
  dedupe: dedupeTransform,
  compute: computeTransform,
  filter: filterTransform,
};

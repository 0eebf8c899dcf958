import { defineTransform } from '../plugins/define.js';
import type { ConfigFromSchema, ConfigProblem, ConfigSchema, DataRecord, TransformPlugin } from '../plugins/types.js';
import { compileTemplate, templateFilters } from './template.js';

const configSchema = {
  type: 'object',
  description: 'Adds or replaces fields computed from templates.',
  additionalProperties: false,
  required: ['fields'],
  properties: {
    fields: {
      type: 'object',
      minProperties: 1,
      additionalProperties: { type: 'string' },
      description:
        `New or replaced fields, name → template, e.g. { email: "{{ name | slug }}.{{ sex | lower }}@example.com" }. ` +
        `Filters: ${templateFilters.join(', ')}. Later fields can use earlier ones.`,
    },
  },
} as const satisfies ConfigSchema;

/** Config of the `compute` transform: new or replaced fields, name → template. Later fields see earlier ones. */
export type ComputeConfig = ConfigFromSchema<typeof configSchema>;

/** Adds or replaces fields computed from templates (see `compileTemplate`). */
export const computeTransform = (): TransformPlugin<ComputeConfig> =>
  defineTransform<ComputeConfig>({
    name: 'compute',
    description: 'Adds or replaces fields computed from templates.',
    configSchema,
    checkConfig(config) {
      const problems: ConfigProblem[] = [];
      for (const [name, source] of Object.entries(config.fields)) {
        try {
          compileTemplate(source);
        } catch (error) {
          problems.push({ path: `fields.${name}`, message: (error as Error).message });
        }
      }
      return problems;
    },
    create(ctx, config) {
      const fields = Object.entries(config.fields).map(
        ([name, source]) =>
          [name, compileTemplate(source, { name: `steps.${ctx.step}.config.fields.${name}` })] as const,
      );
      return (record) => {
        // A copy: with fan-out the same record object may also flow into another branch.
        const out: DataRecord = { ...record };
        for (const [name, render] of fields) out[name] = render(out);
        return out;
      };
    },
  });

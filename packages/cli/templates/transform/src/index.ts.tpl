/**
 * The `__USE__` transform. As generated it upper-cases the string fields named in `fields`: replace the body of the
 * record function. Return the record to pass it on, `null` to filter it out, or `rejectRecord(reason)` to reject it.
 * `create()` runs once per run; the function it returns runs on every record, so keep it synchronous and cheap.
 */
import { defineTransform, rejectRecord, type ConfigFromSchema, type ConfigSchema, type TransformPlugin } from '@etl/core';

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['fields'],
  properties: {
    fields: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Fields to upper-case.', examples: [['name']] },
    required: { type: 'boolean', default: false, description: 'Reject records that lack one of the fields.' },
  },
} as const satisfies ConfigSchema;

/** The config hooks get, derived from the schema: a field with a `default` is always present. */
export type __TYPE__Config = ConfigFromSchema<typeof configSchema>;

export function __FACTORY__(): TransformPlugin<__TYPE__Config> {
  return defineTransform<__TYPE__Config>({
    name: '__USE__',
    description: 'Upper-cases fields (a generated starting point).',
    configSchema,
    create(_ctx, config) {
      return (record) => {
        const out = { ...record };
        for (const field of config.fields) {
          const value = out[field];
          if (typeof value === 'string') out[field] = value.toUpperCase();
          else if (config.required) return rejectRecord(`${field} is missing or not text`);
        }
        return out;
      };
    },
  });
}

export default __FACTORY__;

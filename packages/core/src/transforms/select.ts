import { defineTransform } from '../plugins/define.js';
import type { ConfigFromSchema, ConfigSchema, DataRecord, TransformPlugin } from '../plugins/types.js';

const configSchema = {
  type: 'object',
  description: 'Keeps, drops and renames fields.',
  additionalProperties: false,
  properties: {
    fields: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      description: 'Fields to keep, in this order; every other field is dropped. Omit to keep all fields.',
    },
    drop: { type: 'array', items: { type: 'string', minLength: 1 }, default: [], description: 'Fields to drop.' },
    rename: {
      type: 'object',
      additionalProperties: { type: 'string', minLength: 1 },
      default: {},
      description: 'Renames, old name → new name (applied after `fields` and `drop`), e.g. { YearOfBirth: year }.',
    },
  },
} as const satisfies ConfigSchema;

/** Config of the `select` transform. Applied in this order: keep `fields`, then `drop`, then `rename`. */
export type SelectConfig = ConfigFromSchema<typeof configSchema>;

/** Keeps, drops and renames fields: `{ fields: [a, b], rename: { YearOfBirth: year } }`. */
export const selectTransform = (): TransformPlugin<SelectConfig> =>
  defineTransform<SelectConfig>({
    name: 'select',
    description: 'Keeps, drops and renames fields.',
    configSchema,
    create(_ctx, config) {
      const keep = config.fields;
      const drop = new Set(config.drop);
      const rename = Object.entries(config.rename);
      // Output names computed once; the record function only copies.
      const names = keep ? keep.filter((f) => !drop.has(f)) : undefined;
      const renamed = new Map(rename);
      return (record) => {
        const out: DataRecord = {};
        if (names) {
          for (const f of names) if (Object.hasOwn(record, f)) out[renamed.get(f) ?? f] = record[f];
        } else {
          for (const f in record) if (!drop.has(f)) out[renamed.get(f) ?? f] = record[f];
        }
        return out;
      };
    },
  });

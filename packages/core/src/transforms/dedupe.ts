import { FORBIDDEN_KEY_HINT, isForbiddenKey } from '../config/forbidden-keys.js';
import { defineTransform, rejectRecord } from '../plugins/define.js';
import type { ConfigFromSchema, ConfigProblem, ConfigSchema, DataRecord, TransformPlugin } from '../plugins/types.js';

const configSchema = {
  type: 'object',
  description: 'Passes the first record for each key and filters out later ones.',
  additionalProperties: false,
  required: ['key'],
  properties: {
    key: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', minLength: 1 },
      description: 'Fields that together identify a record, e.g. [name, sex].',
    },
    caseSensitive: {
      type: 'boolean',
      default: true,
      description: 'Compare key values with case (Anna and anna differ).',
    },
  },
} as const satisfies ConfigSchema;

/** Config of the `dedupe` transform. */
export type DedupeConfig = ConfigFromSchema<typeof configSchema>;

// A separator that does not occur in real text keeps joined keys unambiguous without JSON-encoding every record.
const SEPARATOR = '\u001f';

/**
 * Passes the first record for each key; later ones are filtered (counted as `filtered`). Seen keys live in
 * `ctx.state` only (staged, then in the state store on disk), not in a copy in memory: 2 million distinct keys cost
 * the store's file, not the heap, and a resumed run continues with exactly the keys its checkpoint saw.
 */
export const dedupeTransform = (): TransformPlugin<DedupeConfig> =>
  defineTransform<DedupeConfig>({
    name: 'dedupe',
    description: 'Passes the first record for each key and filters out later ones.',
    configSchema,
    checkConfig(config) {
      // `key: [__proto__]` would key every record by its prototype (one key for all): refused, not silently wrong.
      const problems: ConfigProblem[] = [];
      config.key.forEach((field, index) => {
        if (isForbiddenKey(field))
          problems.push({ path: `key[${index}]`, message: `"${field}" cannot be a key field (${FORBIDDEN_KEY_HINT})` });
      });
      return problems;
    },
    *stateKeys(config, records) {
      const keyOf = keyFunction(config);
      for (const record of records) {
        const key = keyOf(record);
        if (key !== undefined) yield key;
      }
    },
    create(ctx, config) {
      const fields = config.key;
      const seen = ctx.state;
      const keyOf = keyFunction(config);
      return (record) => {
        const key = keyOf(record);
        if (key === undefined) {
          const missing = fields.filter((f) => record[f] === undefined || record[f] === null);
          return rejectRecord(`dedupe key field${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing`);
        }
        if (seen.has(key)) return null;
        seen.set(key, 1);
        return record;
      };
    },
  });

/** A record's dedupe key (its key fields joined), undefined when one is missing. */
function keyFunction(config: DedupeConfig): (record: DataRecord) => string | undefined {
  const fields = config.key;
  const fold = !config.caseSensitive;
  return (record) => {
    let key = '';
    for (let i = 0; i < fields.length; i++) {
      const value = record[fields[i]];
      if (value === undefined || value === null) return undefined;
      const text =
        typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
      key += i === 0 ? text : SEPARATOR + text;
    }
    return fold ? key.toLowerCase() : key;
  };
}

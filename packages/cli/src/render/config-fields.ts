import type { JsonSchema } from '@etl/core';

/** One config field as `etl plugins` shows it. */
export interface ConfigField {
  /** Dotted for nested objects, e.g. `auth.token`. */
  name: string;
  type: string;
  default?: unknown;
  description?: string;
  secret: boolean;
  required: boolean;
  /** The schema's `examples` for the field. */
  examples?: unknown[];
}

function typeOf(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join('|');
  if (Array.isArray(schema.type)) return schema.type.join('|');
  if (typeof schema.type === 'string') {
    if (schema.type === 'array' && schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items)) {
      return `${typeOf(schema.items as Record<string, unknown>)}[]`;
    }
    return schema.type;
  }
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (Array.isArray(schema[key])) return (schema[key] as Array<Record<string, unknown>>).map(typeOf).join('|');
  }
  return 'any';
}

/** The fields of a plugin's config schema, one level of nesting deep (deeper objects are listed as `object`). */
export function describeConfig(schema: JsonSchema, prefix = '', depth = 0): ConfigField[] {
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const fields: ConfigField[] = [];
  for (const [name, prop] of Object.entries(properties)) {
    fields.push({
      name: prefix + name,
      type: typeOf(prop),
      ...(prop.default !== undefined ? { default: prop.default } : {}),
      ...(typeof prop.description === 'string' ? { description: prop.description } : {}),
      secret: prop.secret === true || prop.writeOnly === true,
      required: required.has(name),
      ...(Array.isArray(prop.examples) && prop.examples.length > 0 ? { examples: prop.examples } : {}),
    });
    if (depth === 0 && prop.type === 'object' && prop.properties)
      fields.push(...describeConfig(prop, `${prefix}${name}.`, depth + 1));
  }
  return fields;
}

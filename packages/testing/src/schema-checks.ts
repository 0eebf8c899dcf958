import { Ajv } from 'ajv';
import { PLUGIN_HOOKS, type JsonSchema, type Plugin } from '@etl/core';

/** Property names that hold credentials and must carry `secret: true`. */
export const SECRET_NAME = /(password|passwd|secret|token|api[-_]?key|private[-_]?key|credential|client[-_]?secret)/i;

/** An ajv that knows the contract's `secret` keyword. */
export function contractAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
  ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });
  return ajv;
}

/** Every property schema in `schema` with its dotted path (objects, nested objects, array items). */
export function propertiesOf(schema: JsonSchema, path = ''): Array<{ path: string; name: string; schema: JsonSchema }> {
  const out: Array<{ path: string; name: string; schema: JsonSchema }> = [];
  const props = schema.properties as Record<string, JsonSchema> | undefined;
  if (props && typeof props === 'object') {
    for (const [name, sub] of Object.entries(props)) {
      const p = path ? `${path}.${name}` : name;
      out.push({ path: p, name, schema: sub });
      out.push(...propertiesOf(sub, p));
    }
  }
  const items = schema.items as JsonSchema | undefined;
  if (items && typeof items === 'object' && !Array.isArray(items)) out.push(...propertiesOf(items, `${path}[]`));
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) list.forEach((s, i) => out.push(...propertiesOf(s as JsonSchema, `${path}(${key}${i})`)));
  }
  return out;
}

/**
 * Problems with a plugin's shape for `kind`, by core's table of hooks (`PLUGIN_HOOKS`): required and expected hooks
 * must be functions, optional ones functions when present. Empty when it is fine.
 */
export function shapeProblems(plugin: Plugin, kind: Plugin['kind']): string[] {
  const problems: string[] = [];
  const p = plugin as unknown as Record<string, unknown>;
  if (typeof p.name !== 'string' || p.name === '') problems.push('name must be a non-empty string');
  if (p.kind !== kind) problems.push(`kind must be '${kind}' (got ${JSON.stringify(p.kind)})`);
  if (!p.configSchema || typeof p.configSchema !== 'object') problems.push('configSchema must be a JSON Schema object');
  for (const [hook, need] of Object.entries(PLUGIN_HOOKS[kind])) {
    if (need !== 'optional' && typeof p[hook] !== 'function') problems.push(`${hook} must be a function`);
    if (need === 'optional' && p[hook] !== undefined && typeof p[hook] !== 'function')
      problems.push(`${hook} must be a function when present`);
  }
  return problems;
}

/** Problems with a config schema: invalid JSON Schema, properties without a description, unmarked secrets. */
export function schemaProblems(schema: JsonSchema): string[] {
  const problems: string[] = [];
  try {
    contractAjv().compile(schema);
  } catch (error) {
    problems.push(`configSchema is not valid JSON Schema: ${(error as Error).message}`);
  }
  if (schema.type !== undefined && schema.type !== 'object')
    problems.push(`configSchema.type must be 'object' (got ${JSON.stringify(schema.type)})`);
  for (const prop of propertiesOf(schema)) {
    if (typeof prop.schema.description !== 'string' || prop.schema.description.trim() === '')
      problems.push(`${prop.path}: no description`);
    if (SECRET_NAME.test(prop.name) && prop.schema.type !== 'object' && prop.schema.secret !== true) {
      problems.push(`${prop.path}: looks like a credential but is not marked \`secret: true\``);
    }
  }
  return problems;
}

/** Validates `config` against `schema` (applying defaults, as the config loader does); returns the errors. */
export function configProblems(schema: JsonSchema, config: unknown): string[] {
  const validate = contractAjv().compile(schema);
  if (validate(structuredClone(config))) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`);
}

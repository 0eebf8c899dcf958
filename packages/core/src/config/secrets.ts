import type { JsonSchema } from '../plugins/types.js';
import { getByPath, isPlainObject, pathKey } from './paths.js';
import type { DocPath } from './types.js';

/** Follows a local `$ref` (`#/$defs/x`) against the root schema. */
function deref(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === 'string' && current.$ref.startsWith('#') && hops < 20; hops++) {
    const target = getByPath(root, current.$ref.slice(2).split('/').filter(Boolean));
    if (!isPlainObject(target)) break;
    current = { ...target, ...Object.fromEntries(Object.entries(current).filter(([key]) => key !== '$ref')) };
  }
  return current;
}

/**
 * Paths (relative to `value`) of every value that sits at a schema location marked `secret: true`, looking through
 * properties, additionalProperties, patternProperties, items, local `$ref`s and combinators. Redacting too much is
 * harmless, so every branch of `anyOf`/`oneOf`/`if` counts.
 */
export function secretPaths(
  schema: JsonSchema,
  value: unknown,
  root: JsonSchema = schema,
  path: DocPath = [],
  out: DocPath[] = [],
): DocPath[] {
  if (!isPlainObject(schema)) return out;
  const node = deref(schema, root);
  if (node.secret === true) {
    out.push(path);
    return out;
  }
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    const branches = node[keyword];
    if (Array.isArray(branches))
      for (const branch of branches) secretPaths(branch as JsonSchema, value, root, path, out);
  }
  for (const keyword of ['then', 'else'])
    if (isPlainObject(node[keyword])) secretPaths(node[keyword] as JsonSchema, value, root, path, out);
  if (isPlainObject(value)) {
    const properties = isPlainObject(node.properties) ? node.properties : {};
    const patterns = isPlainObject(node.patternProperties) ? Object.entries(node.patternProperties) : [];
    for (const [key, item] of Object.entries(value)) {
      const matching = [
        ...(isPlainObject(properties[key]) ? [properties[key]] : []),
        ...patterns.filter(([pattern]) => new RegExp(pattern, 'u').test(key)).map(([, sub]) => sub),
      ];
      if (matching.length === 0 && isPlainObject(node.additionalProperties)) matching.push(node.additionalProperties);
      for (const sub of matching) secretPaths(sub as JsonSchema, item, root, [...path, key], out);
    }
  } else if (Array.isArray(value)) {
    const tuple = Array.isArray(node.prefixItems)
      ? node.prefixItems
      : Array.isArray(node.items)
        ? node.items
        : undefined;
    value.forEach((item, index) => {
      const sub = tuple ? (tuple[index] ?? node.additionalItems) : node.items;
      if (isPlainObject(sub)) secretPaths(sub as JsonSchema, item, root, [...path, index], out);
    });
  }
  return out;
}

/** Every printable leaf under `value` (strings and numbers), for redaction. */
export function leafStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (value !== '') out.push(value);
  } else if (typeof value === 'number' || typeof value === 'bigint') out.push(String(value));
  else if (Array.isArray(value)) value.forEach((item) => leafStrings(item, out));
  else if (isPlainObject(value)) Object.values(value).forEach((item) => leafStrings(item, out));
  return out;
}

/**
 * The secret values of one step's config, plus the environment values interpolated into them (a secret written as
 * `Bearer ${env:TOKEN}` hides both the whole string and the token).
 */
export function collectSecrets(
  schema: JsonSchema,
  config: unknown,
  configPath: DocPath,
  interpolated: Map<string, { envValues: string[] }>,
): string[] {
  const secrets: string[] = [];
  for (const path of secretPaths(schema, config)) {
    leafStrings(getByPath(config, path), secrets);
    const prefix = pathKey([...configPath, ...path]);
    for (const [key, { envValues }] of interpolated) {
      if (key === prefix || key.startsWith(`${prefix}\u0000`)) secrets.push(...envValues);
    }
  }
  return [...new Set(secrets)];
}

import type { JsonSchema, Plugin } from '../plugins/types.js';
import { pipelineEnvelopeSchema } from './envelope-schema.js';
import { cloneData, isPlainObject } from './paths.js';

/**
 * The JSON Schema editors use for pipeline files (yaml-language-server: `# yaml-language-server: $schema=…`):
 * the envelope plus, for each plugin, an `if use == name then config: <its configSchema>` branch, so `config:` gets
 * completion and errors once `use:` is written. Secret fields keep `secret` and gain `writeOnly`.
 */
export function buildPipelineSchema(plugins: Plugin[]): JsonSchema {
  const schema = cloneData(pipelineEnvelopeSchema) as JsonSchema & { $defs: Record<string, JsonSchema> };
  const step = schema.$defs.step as JsonSchema & { properties: Record<string, JsonSchema> };
  const seen = new Set<string>();
  const branches: JsonSchema[] = [];
  for (const plugin of plugins) {
    if (seen.has(plugin.name)) continue;
    seen.add(plugin.name);
    const id = `config-${plugin.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const config = embed(cloneData(plugin.configSchema), `#/$defs/${id}`);
    config.description ??= plugin.description ?? `Settings of the ${plugin.kind} "${plugin.name}".`;
    schema.$defs[id] = config;
    branches.push({
      if: { properties: { use: { const: plugin.name } }, required: ['use'] },
      then: {
        properties: {
          config: {
            $ref: `#/$defs/${id}`,
            description: `${plugin.kind} "${plugin.name}"${plugin.description ? `: ${plugin.description}` : ''}`,
          },
        },
      },
    });
  }
  if (branches.length > 0) step.allOf = branches;
  step.properties.use = { ...step.properties.use, examples: [...seen] };
  return allowEnvReferences(schema) as JsonSchema;
}

/** What an unquoted `${env:VAR}` looks like to an editor: a string, even where a number will arrive. */
const ENV_REFERENCE: JsonSchema = {
  type: 'string',
  pattern: '^\\$\\{env:[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$',
  description:
    'A `${env:VAR}` or `${env:VAR:-default}` reference, converted to the expected type when the pipeline loads.',
};
const DATA_KEYWORDS = ['default', 'const', 'enum', 'examples'];

/**
 * Lets number and boolean fields hold a `${env:…}` reference in the editor (etl converts the value after
 * interpolation), so `max: ${env:RATE:-100}` is not flagged.
 */
function allowEnvReferences(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowEnvReferences);
  if (!isPlainObject(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node))
    out[key] = DATA_KEYWORDS.includes(key) ? value : allowEnvReferences(value);
  const types = typeof out.type === 'string' ? [out.type] : Array.isArray(out.type) ? (out.type as string[]) : [];
  if (
    types.length === 0 ||
    types.includes('string') ||
    !types.some((type) => ['integer', 'number', 'boolean'].includes(type))
  )
    return out;
  const { description, title, default: fallback, ...rest } = out;
  return {
    ...(title === undefined ? {} : { title }),
    ...(description === undefined ? {} : { description }),
    ...(fallback === undefined ? {} : { default: fallback }),
    anyOf: [rest, ENV_REFERENCE],
  };
}

/**
 * Makes a plugin's schema safe to nest: drops `$schema`/`$id` (they would start a new resource), rewrites its local
 * `$ref`s to point under `base`, and adds `writeOnly` next to every `secret: true`.
 */
function embed(schema: JsonSchema, base: string): JsonSchema {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!isPlainObject(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$schema' || key === '$id') continue;
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#')) out.$ref = base + value.slice(1);
      // `default`, `const`, `enum` and `examples` hold data, not schemas.
      else if (['default', 'const', 'enum', 'examples'].includes(key)) out[key] = value;
      else out[key] = walk(value);
    }
    if (out.secret === true) out.writeOnly = true;
    return out;
  };
  return walk(schema) as JsonSchema;
}

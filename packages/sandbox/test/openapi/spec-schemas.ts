import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/** HubSpot's official OpenAPI files: `../shared` beside the checkout (as CI lays it out), or HUBSPOT_SPECS_DIR. */
export const SPECS_DIR =
  process.env.HUBSPOT_SPECS_DIR ??
  [fileURLToPath(new URL('../../../../../shared/specs/hubspot', import.meta.url)), '/work/shared/specs/hubspot'].find(
    (dir) => existsSync(join(dir, 'contacts-v3.json')),
  ) ??
  '/work/shared/specs/hubspot';

export type SpecFile = 'contacts-v3.json' | 'properties-v3.json';

// ajv-formats is CommonJS: depending on the loader the plugin is the module itself or its `.default`.
const addFormats = ((addFormatsModule as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/**
 * Adapts the spec to what HubSpot really sends (quirks noted in /work/shared/reference/hubspot-api.md):
 * - `example: null` everywhere is harmless with `strict: false`, and error answers are declared as `*\/*` content,
 *   which only matters for routing a response to its schema, not for the schema itself;
 * - property values are declared `{type: string}`, but a read that names a property without a value returns null
 *   (D-GUIDE: "Defined but empty properties come back as null"), so `properties` maps also accept null.
 */
function adapt(node: unknown, parentKey?: string): unknown {
  if (Array.isArray(node)) return node.map((item) => adapt(item));
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = adapt(value, key);
  if (parentKey === 'properties' && out.type === 'object') {
    const additional = out.additionalProperties as Record<string, unknown> | undefined;
    if (additional?.type === 'string') out.additionalProperties = { ...additional, type: ['string', 'null'] };
  }
  return out;
}

const cache = new Map<SpecFile, Ajv>();

function ajvFor(file: SpecFile): Ajv {
  let ajv = cache.get(file);
  if (!ajv) {
    const spec = JSON.parse(readFileSync(join(SPECS_DIR, file), 'utf8')) as { components: unknown };
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
    ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    // The spec's refs are `#/components/schemas/X`; registering the components under an id makes them resolvable.
    ajv.addSchema({ $id: file, components: adapt(spec.components) });
    cache.set(file, ajv);
  }
  return ajv;
}

/** Compiles `#/components/schemas/<name>` of an official spec file. */
export function specSchema(file: SpecFile, name: string): ValidateFunction {
  const validate = ajvFor(file).getSchema(`${file}#/components/schemas/${name}`);
  if (!validate) throw new Error(`No schema #/components/schemas/${name} in ${file}`);
  return validate;
}

/** The validation errors of `value` against a spec schema, formatted one per line; '' when it conforms. */
export function schemaErrors(file: SpecFile, name: string, value: unknown): string {
  const validate = specSchema(file, name);
  if (validate(value)) return '';
  return (validate.errors ?? [])
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
    .join('\n');
}

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

/** Pipedrive's official v2 OpenAPI file: `../shared` beside the checkout (as CI lays it out), or PIPEDRIVE_SPECS_DIR. */
export const PIPEDRIVE_SPEC_FILE = join(
  process.env.PIPEDRIVE_SPECS_DIR ??
    [
      fileURLToPath(new URL('../../../../../shared/specs/pipedrive', import.meta.url)),
      '/work/shared/specs/pipedrive',
    ].find((dir) => existsSync(join(dir, 'v2-openapi.yml'))) ??
    '/work/shared/specs/pipedrive',
  'v2-openapi.yml',
);

const addFormats = ((addFormatsModule as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

type Operation = {
  'x-token-cost'?: number;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, any>;
};
let spec: { paths: Record<string, Record<string, Operation>>; components: unknown } | undefined;

export function pipedriveSpec() {
  spec ??= parse(readFileSync(PIPEDRIVE_SPEC_FILE, 'utf8'));
  return spec!;
}

export function operation(path: string, method: string): Operation {
  const op = pipedriveSpec().paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`No ${method} ${path} in ${PIPEDRIVE_SPEC_FILE}`);
  return op;
}

/**
 * Adapts the spec to what Pipedrive really sends, each a documented gap in the definition:
 * - `next_cursor` is "null if you have reached the end", but some operations type it plain string;
 * - a person's `org_id` and `picture_id`, and a search item's `organization`, are null when unset.
 */
const NULLABLE = new Set(['next_cursor', 'org_id', 'picture_id', 'organization']);
function adapt(node: unknown, key?: string): unknown {
  if (Array.isArray(node)) return node.map((item) => adapt(item));
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(node)) out[k] = adapt(value, k);
  if (key && NULLABLE.has(key) && typeof out.type === 'string') out.nullable = true;
  return out;
}

const validators = new Map<string, ValidateFunction>();

/** The 200 answer's schema of `method path`, compiled with the spec's components resolvable. */
export function responseValidator(path: string, method: string): ValidateFunction {
  const key = `${method} ${path}`;
  let validate = validators.get(key);
  if (!validate) {
    const schema = operation(path, method).responses['200'].content['application/json'].schema;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'pipedrive', components: adapt(pipedriveSpec().components) });
    // Refs in the file are `#/components/...`; point them at the registered document.
    const text = JSON.stringify(adapt(schema)).replaceAll('"#/components/', '"pipedrive#/components/');
    validate = ajv.compile(JSON.parse(text));
    validators.set(key, validate);
  }
  return validate;
}

/** Throws with ajv's findings unless `body` is a 200 answer of `method path` as the spec defines it. */
export function assertResponse(body: unknown, method: string, path: string): void {
  const validate = responseValidator(path, method);
  if (validate(body)) return;
  const errors = (validate.errors ?? [])
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
    .join('\n');
  throw new Error(`Response does not match ${method} ${path} 200:\n${errors}\n${JSON.stringify(body).slice(0, 2000)}`);
}

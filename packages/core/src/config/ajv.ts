import { createRequire } from 'node:module';
import type { Ajv, CodeOptions, ErrorObject, ValidateFunction } from 'ajv';
import type { ConfigIssue } from '../errors.js';
import type { ConfigFromSchema, ConfigInputFromSchema, ConfigSchema, JsonSchema } from '../plugins/types.js';
import { issueAt } from './issues.js';
import { suggestion } from './levenshtein.js';
import { getByPath, pathKey, pointerToPath, setByPath } from './paths.js';
import { loadPrecompiled, loadPrecompiledSchema, type PrecompiledName } from './precompiled.js';
import type { DocPath, SourceMap } from './types.js';

const require = createRequire(import.meta.url);

/** The options of every config ajv; generated validators (precompiled.ts) are keyed by them. */
export const AJV_OPTIONS = {
  allErrors: true,
  useDefaults: true,
  // strict off: plugin schemas are third-party and may carry annotations ajv does not know.
  strict: false,
  allowUnionTypes: true,
  verbose: true,
  // Config files are small and validated once, so ajv's code optimization passes cost more than they save.
  code: { optimize: false },
} as const;

/** The meta-schema of schemas without `$schema` (ajv's default). */
export const DRAFT_07 = 'http://json-schema.org/draft-07/schema';

/**
 * An ajv that collects every error, applies `default`s, and knows `secret` (an annotation, like `writeOnly`). It
 * does not check schemas against the meta-schema itself: `compileSchema` does, with a generated validator when the
 * build made one. `code` adds to the code options (scripts/precompile.js asks for source code).
 */
export function createAjv(code: CodeOptions = {}): Ajv {
  // Required here, not imported: ajv and ajv-formats are ~70 modules, and a process whose schemas all have a
  // validator generated at build time (`etl validate` on the shipped plugins) needs none of them.
  const { Ajv } = require('ajv') as typeof import('ajv');
  const addFormats = require('ajv-formats') as (ajv: Ajv) => Ajv;
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { ...AJV_OPTIONS.code, ...code }, validateSchema: false });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });
  return ajv;
}

let shared: Ajv | undefined;

/**
 * The process's one ajv for config files (project config, pipelines, plugin schemas): each new instance compiles
 * the JSON Schema meta-schema again, a noticeable share of `etl validate`'s start-up. Made on first use.
 */
export const sharedAjv = (): Ajv => (shared ??= createAjv());

const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Compiles (once per schema object) or throws ajv's message; a schema core owns names its build-time validator
 * (`precompiled`), a plugin's is looked up by its key; either is used only when generated from this very schema.
 * `ajv` gives one `createAjv` made (the generated validators were made with its options), asked for only to compile.
 */
export function compileSchema(ajv: () => Ajv, schema: JsonSchema, precompiled?: PrecompiledName): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    const generated = precompiled
      ? loadPrecompiled(precompiled, AJV_OPTIONS, schema)
      : loadPrecompiledSchema(AJV_OPTIONS, schema);
    validate = generated ?? compileChecked(ajv(), schema);
    compiled.set(schema, validate);
  }
  return validate;
}

function compileChecked(ajv: Ajv, schema: JsonSchema): ValidateFunction {
  checkSchema(ajv, schema);
  const id = typeof schema.$id === 'string' ? schema.$id : undefined;
  // A factory may build an equal schema with the same $id on every call: the latest one wins.
  if (id !== undefined && ajv.getSchema(id)) ajv.removeSchema(id);
  return ajv.compile(schema);
}

let metaValidator: ValidateFunction | null | undefined;

/** What ajv's own `validateSchema` option does (same message), with the generated draft-07 validator when built. */
function checkSchema(ajv: Ajv, schema: JsonSchema): void {
  const $schema = schema.$schema;
  if (metaValidator === undefined) {
    const metaSchema = require('ajv/dist/refs/json-schema-draft-07.json') as JsonSchema;
    metaValidator = loadPrecompiled('meta', AJV_OPTIONS, metaSchema) ?? null;
  }
  if (metaValidator === null || ($schema !== undefined && String($schema).replace(/#$/, '') !== DRAFT_07)) {
    ajv.validateSchema(schema, true);
    return;
  }
  if (!metaValidator(schema)) throw new Error(`schema is invalid: ${ajv.errorsText(metaValidator.errors)}`);
}

export interface SchemaCheck {
  /** Where `data` sits in the document (e.g. `['steps', 'load', 'config']`). */
  prefix: DocPath;
  map: SourceMap;
  /** Paths (`pathKey`, full document paths) whose strings came from `${env:…}`: coerced to the expected type. */
  interpolated?: Map<string, unknown>;
  /** Paths already reported (unset variables): their schema errors would only repeat it. */
  quiet?: Set<string>;
}

/**
 * Validates `data` in place (defaults applied, interpolated strings coerced) and turns every ajv error into a
 * located ConfigIssue.
 */
export function checkAgainstSchema(validate: ValidateFunction, data: unknown, check: SchemaCheck): ConfigIssue[] {
  let errors: ErrorObject[] = [];
  for (let round = 0; round < 5; round++) {
    errors = validate(data) ? [] : [...(validate.errors ?? [])];
    if (!coerceInterpolated(errors, data, check)) break;
  }
  return toIssues(errors, check);
}

/** A value from the environment is always a string; convert it when the schema wants a number or boolean. */
function coerceInterpolated(errors: ErrorObject[], data: unknown, check: SchemaCheck): boolean {
  let changed = false;
  for (const error of errors) {
    if (error.keyword !== 'type') continue;
    const local = pointerToPath(error.instancePath);
    if (!check.interpolated?.has(pathKey([...check.prefix, ...local]))) continue;
    const value = getByPath(data, local);
    if (typeof value !== 'string') continue;
    const types = String(error.params.type).split(',');
    let coerced: unknown;
    if (
      (types.includes('integer') && /^-?\d+$/.test(value.trim())) ||
      (types.includes('number') && value.trim() !== '' && Number.isFinite(Number(value)))
    ) {
      coerced = Number(value);
    } else if (types.includes('boolean') && (value === 'true' || value === 'false')) coerced = value === 'true';
    if (coerced !== undefined && local.length > 0 && setByPath(data as Record<string, unknown>, local, coerced))
      changed = true;
  }
  return changed;
}

function toIssues(errors: ErrorObject[], check: SchemaCheck): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  const push = (issue: ConfigIssue): void => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (!seen.has(key)) issues.push(issue), seen.add(key);
  };
  for (const error of errors) {
    const local = pointerToPath(error.instancePath);
    const path = [...check.prefix, ...local];
    if (check.quiet?.has(pathKey(path))) continue;
    // `if` only says "must match then"; the `then` errors say what is wrong. Combinators are noise when a
    // branch already explained the problem.
    if (error.keyword === 'if' || (error as { propertyName?: string }).propertyName !== undefined) continue;
    if (
      (error.keyword === 'anyOf' || error.keyword === 'oneOf') &&
      errors.some((other) => other !== error && other.instancePath.startsWith(error.instancePath))
    )
      continue;
    push(describe(error, path, check.map));
  }
  return issues;
}

function describe(error: ErrorObject, path: DocPath, map: SourceMap): ConfigIssue {
  const params = error.params as Record<string, unknown>;
  if (error.schemaPath.startsWith('#/$defs/duration/')) {
    return issueAt(map.valueAt(path), path, 'must be a duration like 500ms, 10s, 5m, 1h, or a number of milliseconds');
  }
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
      return issueAt(
        map.keyAt([...path, key]),
        [...path, key],
        `unknown key "${key}"`,
        suggestion(key, allowed, 'allowed keys'),
      );
    }
    case 'required':
      return issueAt(map.keyAt(path), path, `missing required key "${String(params.missingProperty)}"`);
    case 'enum':
      return issueAt(
        map.valueAt(path),
        path,
        `must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      );
    case 'const':
      return issueAt(map.valueAt(path), path, `must be ${JSON.stringify(params.allowedValue)}`);
    case 'type':
      return issueAt(map.valueAt(path), path, `must be ${String(params.type).split(',').join(' or ')}`);
    case 'propertyNames':
      return issueAt(
        map.keyAt([...path, String(params.propertyName)]),
        [...path, String(params.propertyName)],
        'names may use only letters, digits, - and _',
      );
  }
  return issueAt(map.valueAt(path), path, error.message ?? `fails ${error.keyword}`);
}

/** True for a schema typed `JsonSchema` (or as wide as `ConfigSchema`): one no config type can be derived from. */
type Wide<Schema> = string extends keyof Schema ? true : ConfigSchema extends Schema ? true : false;

/**
 * A copy of `config` with the schema's `default`s filled in, exactly as `etl validate`/`etl run` fill them before a
 * plugin's hooks see the config. Validation errors are ignored here: the copy is returned as far as it was filled.
 *
 * This form is for a schema typed `JsonSchema` (a plugin's `configSchema` seen through `Plugin`): the copy keeps the
 * input's type. It comes first so that such a call never tries to derive a type from a schema that states nothing.
 */
export function applyConfigDefaults<Schema extends JsonSchema, T>(
  schema: Schema,
  config: Wide<Schema> extends true ? T : never,
): T;
/**
 * For a schema written `as const`: the input may leave out what has a default (`ConfigInputFromSchema`), the
 * result has it (`ConfigFromSchema`), e.g. `applyConfigDefaults(configSchema, { accessToken: 't' })` in a test.
 */
export function applyConfigDefaults<const Schema extends object>(
  schema: Schema,
  // NoInfer, and `object` rather than `ConfigSchema` as the bound: inferring from (or contextually typing against) a
  // type derived from the bound itself is too deep for the compiler.
  config: NoInfer<ConfigInputFromSchema<Schema>>,
): ConfigFromSchema<Schema>;
export function applyConfigDefaults(schema: JsonSchema, config: unknown): unknown {
  const copy = structuredClone(config);
  compileSchema(defaultsAjv, schema)(copy);
  return copy;
}

let defaults: Ajv | undefined;
const defaultsAjv = (): Ajv => (defaults ??= createAjv());

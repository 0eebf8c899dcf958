/**
 * Validators ajv generated at build time. Compiling schemas at start-up was about a quarter of `etl validate`'s time.
 * Two kinds:
 * - the schemas core owns (the pipeline envelope, the project config, the JSON Schema meta-schema every plugin schema
 *   is checked against), by name: `scripts/precompile.js` (part of `pnpm run build`) writes them into
 *   `dist/config/precompiled/`;
 * - plugin config schemas (core's built-in transforms, and the plugins a CLI ships with), by key: a file named after
 *   the key of the options and schema it was generated from, in that folder or one added with
 *   `addPrecompiledValidators`. A plugin whose schema was not generated (one installed from elsewhere, or changed
 *   since the build) finds no file under its key and is compiled at run time.
 * Each file carries its key: a later `tsc -b` that changed a schema leaves a stale file, which is then not used (the
 * schema is compiled instead). Under vitest (sources, no build) there are none.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import type { JsonSchema } from '../plugins/types.js';

const here = dirname(fileURLToPath(import.meta.url));

/** How a generated file is loaded: Node's `require`, unless the process has its own way (`loadValidatorsWith`). */
let requireFile: (file: string) => unknown = createRequire(import.meta.url);

/**
 * Loads the generated files (by absolute path) with `load` from now on: the CLI's bundle has them compiled through
 * V8's code cache (`packages/cli/bin/load-bundle.js`), as its own files are.
 */
export function loadValidatorsWith(load: (file: string) => unknown): void {
  requireFile = load;
}

/** The schemas precompiled by name. */
export type PrecompiledName = 'envelope' | 'project' | 'meta';

/** Folder of the generated files, next to this module. */
export const PRECOMPILED_DIR = 'precompiled';

/** What a generated validator must have been made from: ajv's options and the schema. */
export const precompiledKey = (options: unknown, schema: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify([options, schema]))
    .digest('hex');

type Generated = ValidateFunction & { key?: string };

/** The generated validator of `name`, when there is one made from these `options` and this `schema`. */
export function loadPrecompiled(
  name: PrecompiledName,
  options: unknown,
  schema: JsonSchema,
): ValidateFunction | undefined {
  let generated: Generated;
  try {
    generated = requireFile(join(here, PRECOMPILED_DIR, `${name}.cjs`)) as Generated;
  } catch {
    return undefined; // not built (sources under vitest, a plain `tsc -b`): compiled at run time as before
  }
  return generated.key === precompiledKey(options, schema) ? generated : undefined;
}

/** Where plugin schemas' validators are looked for, by key: core's own folder first. */
const keyedFolders = [join(here, PRECOMPILED_DIR)];

/** Adds a folder of validators generated for plugin config schemas (`precompiledSchemaFile` names its files). */
export function addPrecompiledValidators(folder: string): void {
  if (!keyedFolders.includes(folder)) keyedFolders.push(folder);
}

/** The file name of the validator generated from a plugin schema whose key is `key`. */
export const precompiledSchemaFile = (key: string): string => `schema-${key}.cjs`;

/** The validator generated from this `schema` with these `options`, in any folder that holds one. */
export function loadPrecompiledSchema(options: unknown, schema: JsonSchema): ValidateFunction | undefined {
  const key = precompiledKey(options, schema);
  for (const folder of keyedFolders) {
    const file = join(folder, precompiledSchemaFile(key));
    if (!existsSync(file)) continue;
    const generated = requireFile(file) as Generated;
    if (generated.key === key) return generated;
  }
  return undefined;
}

/** The file `scripts/precompile.js` writes for a validator: ajv's standalone code, then its key. */
export const precompiledFile = (standaloneCode: string, key: string): string =>
  `${standaloneCode}\nmodule.exports.key = ${JSON.stringify(key)};\n`;

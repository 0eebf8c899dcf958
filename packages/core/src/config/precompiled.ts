/**
 * Validators ajv generated at build time for the schemas core owns (the pipeline envelope, the project config, the
 * JSON Schema meta-schema every plugin schema is checked against). Compiling them at start-up was about a quarter of
 * `etl validate`'s time; `scripts/precompile.js` (part of `pnpm run build`) writes ajv's standalone code for each
 * into `dist/config/precompiled/`. Each file carries the key of the options and schema it was generated from: a
 * later `tsc -b` that changed a schema leaves a stale file, which is then not used (the schema is compiled instead).
 * Under vitest (sources, no build) there are none.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import type { JsonSchema } from '../plugins/types.js';

const require = createRequire(import.meta.url);

/** The schemas precompiled, by file name. */
export type PrecompiledName = 'envelope' | 'project' | 'meta';

/** Folder of the generated files, next to this module. */
export const PRECOMPILED_DIR = 'precompiled';

/** What a generated validator must have been made from: ajv's options and the schema. */
export const precompiledKey = (options: unknown, schema: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify([options, schema]))
    .digest('hex');

/** The generated validator of `name`, when there is one made from these `options` and this `schema`. */
export function loadPrecompiled(
  name: PrecompiledName,
  options: unknown,
  schema: JsonSchema,
): ValidateFunction | undefined {
  let generated: ValidateFunction & { key?: string };
  try {
    generated = require(`./${PRECOMPILED_DIR}/${name}.cjs`);
  } catch {
    return undefined; // not built (sources under vitest, a plain `tsc -b`): compiled at run time as before
  }
  return generated.key === precompiledKey(options, schema) ? generated : undefined;
}

/** The file `scripts/precompile.js` writes for a validator: ajv's standalone code, then its key. */
export const precompiledFile = (standaloneCode: string, key: string): string =>
  `${standaloneCode}\nmodule.exports.key = ${JSON.stringify(key)};\n`;

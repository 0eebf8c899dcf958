/**
 * Generates the build-time validators `precompiled.ts` loads: ajv's standalone code for each schema core owns.
 * Run by `scripts/precompile.js` after `tsc -b`; never imported at run time.
 */
import { createRequire } from 'node:module';
import { _, type Ajv, type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import type { JsonSchema } from '../plugins/types.js';
import { AJV_OPTIONS, createAjv, DRAFT_07 } from './ajv.js';
import { pipelineEnvelopeSchema } from './envelope-schema.js';
import { precompiledFile, precompiledKey, precompiledSchemaFile, type PrecompiledName } from './precompiled.js';
import { projectConfigSchema } from './project.js';

const require = createRequire(import.meta.url);

// ajv's standalone module is CommonJS: its default export arrives wrapped under NodeNext.
const toCode = ((standaloneCode as unknown as { default?: unknown }).default ?? standaloneCode) as (
  ajv: Ajv,
  validate: ValidateFunction,
) => string;

// The generated code takes the formats from ajv-formats, as the ajv that compiles at run time does.
const sourceAjv = (): Ajv => createAjv({ source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` });

/** Each precompiled file's name and text. */
export function precompiledSources(): Map<PrecompiledName, string> {
  const ajv = sourceAjv();
  const metaSchema = require('ajv/dist/refs/json-schema-draft-07.json') as JsonSchema;
  const schemas: Array<[PrecompiledName, JsonSchema]> = [
    ['envelope', pipelineEnvelopeSchema],
    ['project', projectConfigSchema as unknown as JsonSchema],
    ['meta', metaSchema],
  ];
  const sources = new Map<PrecompiledName, string>();
  for (const [name, schema] of schemas) {
    const validate = name === 'meta' ? ajv.getSchema(DRAFT_07) : ajv.compile(schema);
    if (!validate) throw new Error(`ajv has no ${DRAFT_07}`);
    sources.set(name, precompiledFile(toCode(ajv, validate), precompiledKey(AJV_OPTIONS, schema)));
  }
  return sources;
}

/**
 * The files of plugin config schemas' validators (`loadPrecompiledSchema` finds them by key), by file name. A schema
 * ajv rejects, or cannot turn into standalone code, gets none: it is compiled at run time, which reports it.
 * The generated code requires `ajv` and `ajv-formats`: the folder it is written to must resolve both.
 */
export function pluginSchemaSources(schemas: Iterable<JsonSchema>): Map<string, string> {
  const ajv = sourceAjv();
  const sources = new Map<string, string>();
  for (const schema of schemas) {
    const key = precompiledKey(AJV_OPTIONS, schema);
    try {
      ajv.validateSchema(schema, true);
      const id = typeof schema.$id === 'string' ? schema.$id : undefined;
      if (id !== undefined && ajv.getSchema(id)) ajv.removeSchema(id);
      sources.set(precompiledSchemaFile(key), precompiledFile(toCode(ajv, ajv.compile(schema)), key));
    } catch {
      // left to run time
    }
  }
  return sources;
}

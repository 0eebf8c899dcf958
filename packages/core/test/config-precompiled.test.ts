/**
 * The validators generated at build time (src/config/precompiled.ts) must judge exactly as the ones ajv compiles at
 * run time: the same errors (which become the located issues users read) and the same defaults filled in.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { describe, expect, test } from 'vitest';
import { createAjv, AJV_OPTIONS } from '../src/config/ajv.js';
import { pipelineEnvelopeSchema } from '../src/config/envelope-schema.js';
import { pluginSchemaSources, precompiledSources } from '../src/config/precompile.js';
import {
  addPrecompiledValidators,
  loadPrecompiledSchema,
  precompiledKey,
  precompiledSchemaFile,
} from '../src/config/precompiled.js';
import { builtinTransforms } from '../src/transforms/index.js';
import { projectConfigSchema } from '../src/config/project.js';

const require = createRequire(import.meta.url);
const sources = precompiledSources();

/** Evaluates a generated file as Node would load it from packages/core/dist (its requires resolve from here). */
function load(name: 'envelope' | 'project' | 'meta'): ValidateFunction & { key: string } {
  return evaluate(sources.get(name)!);
}

function evaluate(source: string): ValidateFunction & { key: string } {
  const module = { exports: {} as ValidateFunction & { key: string } };
  new Function('module', 'exports', 'require', source)(module, module.exports, require);
  return module.exports;
}

/** What a validator says about a copy of `data`: its verdict, errors and the data with defaults filled in. */
function judge(validate: ValidateFunction, data: unknown) {
  const copy = structuredClone(data);
  const valid = validate(copy);
  const errors = (validate.errors ?? []).map(({ instancePath, schemaPath, keyword, params, message }) => ({
    instancePath,
    schemaPath,
    keyword,
    params,
    message,
  }));
  return { valid, errors, copy };
}

const pipelines = [
  { version: 1, steps: { a: { use: 'kaggle' } } },
  { version: 1, settings: {}, limiters: { api: { max: 10, per: '10s' } }, steps: { a: { use: 'x', retry: {} } } },
  { version: 2, name: 'bad name', steps: {}, extra: true },
  {
    version: 1,
    limiters: { 'b@d': { max: 0, per: '10 parsecs', extra: 1 } },
    steps: { a: { inputs: 3, batchSize: 0, retry: { attempts: 0, maxDelay: '1y' }, config: [] }, b: 'x' },
    profiles: { demo: 3 },
  },
  [],
];

const schemas = [
  { type: 'object', properties: { a: { type: 'string', default: 'x' } } },
  { type: 'strin' },
  { type: 'object', required: 'a', properties: { a: { pattern: 3 } } },
  { properties: { a: { minimum: '1', items: [{ type: 'nope' }] } }, additionalProperties: 'no' },
  { $id: 3, enum: [], anyOf: [] },
];

describe('build-time validators', () => {
  test('the pipeline envelope: same errors and defaults as compiled at run time', () => {
    const generated = load('envelope');
    const compiled = createAjv().compile(pipelineEnvelopeSchema);
    for (const doc of pipelines) expect(judge(generated, doc)).toEqual(judge(compiled, doc));
    expect(judge(generated, pipelines[1]).copy).toMatchObject({ settings: { batchSize: 5000 } });
    expect(judge(generated, pipelines[3]).errors.length).toBeGreaterThan(10);
    expect(generated.key).toBe(precompiledKey(AJV_OPTIONS, pipelineEnvelopeSchema));
  });

  test('the project config: same errors as compiled at run time', () => {
    const generated = load('project');
    const compiled = createAjv().compile(projectConfigSchema);
    for (const config of [{}, { stateDir: '', pluginPaths: [1], nope: true }, 'x'])
      expect(judge(generated, config)).toEqual(judge(compiled, config));
  });

  test("the meta-schema: plugin schemas judged as ajv's own validateSchema judges them", () => {
    const generated = load('meta');
    const ajv = createAjv();
    for (const schema of schemas) {
      const copy = structuredClone(schema);
      const valid = ajv.validateSchema(copy);
      expect(judge(generated, schema)).toEqual({
        valid,
        errors: judge(ajv.getSchema('http://json-schema.org/draft-07/schema')!, schema).errors,
        copy,
      });
    }
  });

  test('and they do reject: a bad plugin schema', () => {
    expect(judge(load('meta'), schemas[1]).valid).toBe(false);
    expect(judge(load('meta'), schemas[0]).valid).toBe(true);
  });

  test('a generated file is keyed by the schema it was made from', () => {
    const changed = { ...pipelineEnvelopeSchema, required: ['version'] };
    expect(precompiledKey(AJV_OPTIONS, changed)).not.toBe(load('envelope').key);
    expect(precompiledKey({ ...AJV_OPTIONS, allErrors: false }, pipelineEnvelopeSchema)).not.toBe(load('envelope').key);
  });

  test('plugin config schemas: the same errors and defaults, found by key, none for a schema ajv rejects', () => {
    const transforms = Object.values(builtinTransforms).map((factory) => factory().configSchema);
    const configs = [{}, { fields: { a: { type: 'integer', min: 1 } } }, { when: 3, fields: [], nope: true }, 'x'];
    const generated = pluginSchemaSources([...transforms, schemas[1]]);
    expect(generated.size).toBe(transforms.length);
    for (const schema of transforms) {
      const source = generated.get(precompiledSchemaFile(precompiledKey(AJV_OPTIONS, schema)));
      const compiled = createAjv().compile(schema);
      for (const config of configs) expect(judge(evaluate(source!), config)).toEqual(judge(compiled, config));
    }
  });

  test('a folder of plugin validators is searched by key: a changed schema finds none', () => {
    const folder = mkdtempSync(join(tmpdir(), 'etl-precompiled-'));
    try {
      const schema = { type: 'object', properties: { n: { type: 'integer', default: 3 } } };
      for (const [file, text] of pluginSchemaSources([schema])) writeFileSync(join(folder, file), text);
      expect(loadPrecompiledSchema(AJV_OPTIONS, schema)).toBeUndefined();
      addPrecompiledValidators(folder);
      const found = loadPrecompiledSchema(AJV_OPTIONS, schema);
      expect(judge(found!, {}).copy).toEqual({ n: 3 });
      expect(loadPrecompiledSchema(AJV_OPTIONS, { ...schema, required: ['n'] })).toBeUndefined();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

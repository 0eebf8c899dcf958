import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { buildPipelineSchema, type Plugin } from '@etl/core';
import { fixtures } from './config-helpers.js';
import { testBuiltins } from './fixtures/config/test-plugins.js';

const plugins = Object.values(testBuiltins).map((factory) => factory()) as Plugin[];
const schema = buildPipelineSchema(plugins);
// An editor knows nothing of `secret`; plain ajv in strict mode must still accept the schema once it is declared.
const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
ajv.addKeyword('secret');
const validate = ajv.compile(schema);

// The file as written, `${env:…}` references and all: the editor sees what the user typed.
const goodDoc = () => parse(readFileSync(join(fixtures, 'pipelines/good.yaml'), 'utf8')) as Record<string, any>;

describe('buildPipelineSchema', () => {
  test('is a titled draft-07 schema with a branch per plugin', () => {
    expect(schema).toMatchObject({ $schema: 'http://json-schema.org/draft-07/schema#', title: 'etl pipeline' });
    const step = (schema.$defs as Record<string, any>).step;
    expect(step.properties.use.examples).toEqual(['csv', 'upper', 'db']);
    expect(step.allOf).toHaveLength(3);
    expect(step.allOf[2]).toEqual({
      if: { properties: { use: { const: 'db' } }, required: ['use'] },
      then: { properties: { config: { $ref: '#/$defs/config-db', description: 'sink "db"' } } },
    });
  });

  test('accepts a good pipeline', () => {
    const ok = validate(goodDoc());
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test('rejects a bad plugin config at its path', () => {
    const doc = goodDoc();
    doc.steps.load.config.batchSize = 'ten';
    doc.steps.read.config.unknown = true;
    expect(validate(doc)).toBe(false);
    const found = (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
    expect(found).toContain('/steps/load/config/batchSize must be integer');
    expect(found).toContain('/steps/read/config must NOT have additional properties');
  });

  test('a number field takes an env reference but not other text', () => {
    const doc = goodDoc();
    expect(doc.limiters.api.max).toBe('${env:ETL_TEST_RATE_MAX:-100}');
    expect(validate(doc)).toBe(true);
    doc.limiters.api.max = 'lots';
    expect(validate(doc)).toBe(false);
  });

  test('rejects an unknown step key', () => {
    const doc = goodDoc();
    doc.steps.load.retyr = {};
    expect(validate(doc)).toBe(false);
  });

  test('secret fields keep secret and gain writeOnly; plugin refs are rebased', () => {
    const withRefs: Plugin = {
      name: 'refs',
      kind: 'source',
      configSchema: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: { key: { $ref: '#/$defs/key' } },
        $defs: { key: { type: 'string', secret: true } },
      },
      async *read() {},
    };
    const built = buildPipelineSchema([withRefs]) as Record<string, any>;
    expect(built.$defs['config-refs'].properties.key).toEqual({ $ref: '#/$defs/config-refs/$defs/key' });
    expect(built.$defs['config-refs'].$defs.key).toEqual({ type: 'string', secret: true, writeOnly: true });
    const check = ajv.compile(built);
    const doc = { version: 1, steps: { s: { use: 'refs', config: { key: 5 } } } };
    expect(check(doc)).toBe(false);
    expect(check.errors?.[0]).toMatchObject({ instancePath: '/steps/s/config/key', message: 'must be string' });
  });
});

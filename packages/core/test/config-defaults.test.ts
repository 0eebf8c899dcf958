/**
 * A plugin's defaults live only in its schema: a step that leaves optional fields out reaches the plugin's hooks with
 * the schema's defaults filled in (nested objects and array items included), by `etl run`'s path (load → validate →
 * run) and by `applyConfigDefaults`, which the contract kit and tests use, alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  applyConfigDefaults,
  createPluginResolver,
  defineSink,
  defineSource,
  loadPipelineText,
  runPipeline,
  validatePipeline,
  type ConfigFromSchema,
  type ConfigSchema,
} from '@etl/core';

const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['target'],
  properties: {
    target: { type: 'string' },
    mode: { enum: ['append', 'replace'], default: 'append' },
    limit: { type: ['integer', 'null'], default: null },
    tags: { type: 'array', items: { type: 'string' }, default: ['etl'] },
    retry: {
      type: 'object',
      default: {},
      properties: { attempts: { type: 'integer', default: 3 }, backoff: { type: 'string', default: '1s' } },
    },
    columns: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' }, hidden: { type: 'boolean', default: false } },
      },
    },
    note: { type: 'string' },
  },
} as const satisfies ConfigSchema;
type Config = ConfigFromSchema<typeof configSchema>;

const seen: Config[] = [];
const recordingSink = () =>
  defineSink<Config>({
    name: 'recording',
    configSchema,
    destination: (_ctx, config) => {
      seen.push(config);
      return { id: `memory:${config.target}` };
    },
    async write(_ctx, config, batch) {
      seen.push(config);
      return { written: batch.records.length };
    },
  });
const oneRecord = () =>
  defineSource({
    name: 'one',
    configSchema: { type: 'object' },
    async *read() {
      yield { records: [{ id: 1 }], position: 1 };
    },
  });

const yaml = `
version: 1
steps:
  input:
    use: one
  output:
    use: recording
    inputs: [input]
    config:
      target: t
      columns: [{ name: a }, { name: b, hidden: true }]
`;
const expected = {
  target: 't',
  mode: 'append',
  limit: null,
  tags: ['etl'],
  retry: { attempts: 3, backoff: '1s' },
  columns: [
    { name: 'a', hidden: false },
    { name: 'b', hidden: true },
  ],
};

const stateDir = mkdtempSync(join(tmpdir(), 'etl-defaults-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('schema defaults reach the plugin', () => {
  test('through load → validate → run, every hook gets the config with the defaults filled in', async () => {
    const resolver = createPluginResolver({
      searchPaths: [],
      builtins: { one: oneRecord, recording: recordingSink },
      loader: async (specifier) => {
        throw Object.assign(new Error(`Cannot find module '${specifier}'`), { code: 'MODULE_NOT_FOUND' });
      },
    });
    const { issues, pipeline } = await validatePipeline(loadPipelineText(yaml, join(stateDir, 'p.yaml')), resolver);
    expect(issues).toEqual([]);
    const summary = await runPipeline(pipeline, { stateDir });
    expect(summary.status).toBe('succeeded');
    expect(seen.length).toBeGreaterThanOrEqual(2); // destination() and write()
    for (const config of seen) expect(config).toEqual(expected);
  });

  test('applyConfigDefaults fills the same defaults, typed from the schema, and leaves its input alone', () => {
    const input = { target: 't', columns: [{ name: 'a' }, { name: 'b', hidden: true }] };
    const config = applyConfigDefaults(configSchema, input);
    expect(config).toEqual(expected);
    expect(input).toEqual({ target: 't', columns: [{ name: 'a' }, { name: 'b', hidden: true }] });
    // The type says so too: defaulted fields are present, the rest optional.
    const attempts: number = config.retry.attempts;
    const note: string | undefined = config.note;
    expect([attempts, note]).toEqual([3, undefined]);
  });

  test('given values win over defaults', () => {
    expect(
      applyConfigDefaults(configSchema, { target: 't', mode: 'replace', limit: 5, retry: { attempts: 1 } }),
    ).toMatchObject({ mode: 'replace', limit: 5, retry: { attempts: 1, backoff: '1s' } });
  });
});

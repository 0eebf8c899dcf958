import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { createPluginResolver, loadPipeline, validatePipeline } from '@etl/core';
import { check, fixtures } from './config-helpers.js';

const env = { ETL_TEST_PASSWORD: 'hunter2', ETL_TEST_TOKEN: 'tok-123', ETL_TEST_RATE_MAX: '42' };

describe('the resolved pipeline', () => {
  test('steps in topological order with defaults applied, limiters and retry in ms, secrets collected', async () => {
    const { pipeline, issues } = await check('pipelines/good.yaml', { env });
    expect(issues).toEqual([]);
    expect(pipeline.name).toBe('good');
    expect(pipeline.batchSize).toBe(200);
    expect(pipeline.steps.map((step) => [step.name, step.kind, step.inputs])).toEqual([
      ['read', 'source', []],
      ['shout', 'transform', ['read']],
      ['load', 'sink', ['shout']],
      ['audit', 'sink', ['shout']],
    ]);
    const [read, shout, load] = pipeline.steps;
    expect(read.config).toEqual({ file: 'data.csv', password: 'hunter2', delimiter: ',' });
    expect(shout.config).toEqual({ field: 'name' });
    expect(load).toMatchObject({
      limiter: 'api',
      batchSize: 500,
      retry: { attempts: 8, maxElapsedMs: 600_000, baseDelayMs: 250 },
    });
    expect(load.config.mode).toBe('insert');
    // `max` came from the environment as "42" and is an integer in the schema.
    expect(pipeline.limiters).toEqual({ api: { max: 42, intervalMs: 10_000, maxConcurrent: 10 } });
    expect(pipeline.secrets.sort()).toEqual(['hunter2', 'tok-123']);
  });

  test('steps are ordered by data flow, not by file order', async () => {
    const { pipeline, issues } = await check('pipelines/good.yaml', {
      env,
      sets: ['steps.audit.inputs=load2', 'steps.load2={use: upper, inputs: read}', 'steps.shout.inputs=load2'],
    });
    expect(issues).toEqual([]);
    expect(pipeline.steps.map((step) => step.name)).toEqual(['read', 'load2', 'shout', 'load', 'audit']);
  });

  test('a secret that came from a variable inside a longer string hides both', async () => {
    const { pipeline } = await check('pipelines/good.yaml', {
      env,
      sets: ['steps.load.config.auth.token=Bearer ${env:ETL_TEST_TOKEN}'],
    });
    expect(pipeline.secrets.sort()).toEqual(['Bearer tok-123', 'hunter2', 'tok-123']);
  });

  test('a variable that is not a number where one is needed is an error at its place', async () => {
    const { lines } = await check('pipelines/good.yaml', { env: { ...env, ETL_TEST_RATE_MAX: 'lots' } });
    expect(lines).toEqual(['pipelines/good.yaml:7:10: limiters.api.max: must be integer']);
  });

  test('a string written in the file is not coerced', async () => {
    const { lines } = await check('pipelines/good.yaml', { env, sets: ['steps.load.config.batchSize="5"'] });
    expect(lines).toEqual(['--set steps.load.config.batchSize: must be integer']);
  });

  test('the name comes from name: when given', async () => {
    const { pipeline } = await check('pipelines/good.yaml', { env, sets: ['name=renamed'] });
    expect(pipeline.name).toBe('renamed');
  });

  test('wiring: a source with inputs, a step with two inputs', async () => {
    const { lines } = await check('pipelines/good.yaml', {
      env,
      sets: ['steps.read.inputs=audit', 'steps.load.inputs=[shout, read]'],
    });
    expect(lines).toEqual([
      '--set steps.load.inputs: a step reads from exactly one input, not 2 (fan-in is not supported; fan-out is: several steps may name the same input)',
      '--set steps.read.inputs: a source reads from no other step (remove `inputs:` from this step)',
      '--set steps.read.inputs: steps form a cycle: read → shout → audit → read (every step must lead back to the source through `inputs:`)',
    ]);
  });
});

describe('plugins given by path in a pipeline', () => {
  test('load for real, relative to the pipeline file, with schema defaults and secrets', async () => {
    const file = join(fixtures, 'pipelines/local-plugins.yaml');
    const loaded = await loadPipeline(file, { env: { ETL_TEST_LOCAL_TOKEN: 'tok: #1' } });
    const { issues, pipeline } = await validatePipeline(loaded, createPluginResolver({ searchPaths: [] }));
    expect(issues).toEqual([]);
    expect(pipeline.steps.map((step) => [step.name, step.kind, step.from])).toEqual([
      ['numbers', 'source', join(fixtures, '../plugins/valid-source.js')],
      ['out', 'sink', join(fixtures, '../plugins/valid-sink.js')],
    ]);
    expect(pipeline.steps[0].config).toEqual({ count: 3 });
    expect(pipeline.secrets).toEqual(['tok: #1']);
  });
});

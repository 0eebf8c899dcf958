import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { getByPath, loadPipeline, loadPipelineText, parseDuration } from '@etl/core';
import { check, fixtures } from './config-helpers.js';

const good = join(fixtures, 'pipelines/good.yaml');
const env = { ETL_TEST_PASSWORD: 'pw' };

describe('overrides: file, then profile, then each --set in order', () => {
  test('the profile deep-merges over the file and keeps the rest', async () => {
    const { doc } = await loadPipeline(good, { env, profile: 'demo' });
    expect(getByPath(doc, ['steps', 'load', 'config'])).toEqual({
      table: 'people',
      url: '${env:NOT_INTERPOLATED}',
      auth: { user: 'admin', token: 'dev-token' },
      batchSize: 50,
      limit: 5,
    });
  });

  test('--set wins over the profile, and later --set wins over earlier ones', async () => {
    const { doc, issues } = await loadPipeline(good, {
      env,
      profile: 'demo',
      sets: [
        'steps.load.config.batchSize=10',
        'steps.load.config.limit=7',
        'steps.load.config.limit=8',
        'settings.batchSize=1000',
      ],
    });
    expect(issues).toEqual([]);
    expect(getByPath(doc, ['steps', 'load', 'config', 'batchSize'])).toBe(10);
    expect(getByPath(doc, ['steps', 'load', 'config', 'limit'])).toBe(8);
    expect(getByPath(doc, ['settings', 'batchSize'])).toBe(1000);
  });

  test('--set values are YAML: numbers, booleans, flow lists; null removes', async () => {
    const { doc } = await loadPipeline(good, {
      env,
      sets: [
        'steps.load.config.flag=true',
        'steps.load.config.list=[a, 2]',
        'steps.load.config.auth=null',
        'steps.load.config.text="10"',
      ],
    });
    const config = getByPath(doc, ['steps', 'load', 'config']) as Record<string, unknown>;
    expect(config.flag).toBe(true);
    expect(config.list).toEqual(['a', 2]);
    expect(config.text).toBe('10');
    expect('auth' in config).toBe(false);
  });

  test('project defaults sit under the file', async () => {
    const { doc } = await loadPipeline(good, {
      env,
      defaults: { settings: { batchSize: 1, other: 2 }, limiters: { shared: { max: 1, per: '1s' } } },
    });
    expect(doc?.settings).toEqual({ batchSize: 200, other: 2 });
    expect(Object.keys(doc?.limiters as object)).toEqual(['shared', 'api']);
  });

  test('a profile value of null removes a step', async () => {
    const { pipeline, issues } = await check('pipelines/good.yaml', { env, profile: 'no-audit' });
    expect(issues).toEqual([]);
    expect(pipeline.steps.map((step) => step.name)).toEqual(['read', 'shout', 'load']);
  });
});

describe('--skip', () => {
  test('removes the step and every step that reads only from it', async () => {
    const { pipeline, issues } = await check('pipelines/good.yaml', { env, skips: ['shout'] });
    expect(issues).toEqual([]);
    expect(pipeline.steps.map((step) => step.name)).toEqual(['read']);
  });

  test('keeps siblings fed by the same input', async () => {
    const { pipeline } = await check('pipelines/good.yaml', { env, skips: ['load'] });
    expect(pipeline.steps.map((step) => step.name)).toEqual(['read', 'shout', 'audit']);
  });

  test('also removes a step that fed only skipped steps: its work would go nowhere', async () => {
    const { pipeline, issues } = await check('pipelines/good.yaml', { env, skips: ['load', 'audit'] });
    expect(issues).toEqual([]);
    expect(pipeline.steps.map((step) => step.name)).toEqual(['read']);
  });

  test('a skipped step needs none of its variables', async () => {
    const { issues, loaded } = await check('broken/unset-env.yaml', { skips: ['read'] });
    expect(loaded.unsetEnv).toEqual([]);
    expect(issues.map((issue) => issue.message)).toEqual(['must NOT have fewer than 1 properties']);
  });
});

describe('${env:…} interpolation', () => {
  const text = [
    'version: 1',
    'steps:',
    '  read:',
    '    use: csv',
    '    config:',
    '      file: ${env:FILE:-fallback.csv}',
    '      delimiter: "$${env:LITERAL} and ${env:SEP}"',
    '      password: ${env:SECRET}',
  ].join('\n');

  test('replaces variables, applies defaults, keeps escaped references as text', () => {
    const { doc, issues, unsetEnv } = loadPipelineText(text, '/p/x.yaml', { env: { SEP: ';', SECRET: 's' } });
    expect(issues).toEqual([]);
    expect(unsetEnv).toEqual([]);
    expect(getByPath(doc, ['steps', 'read', 'config'])).toEqual({
      file: 'fallback.csv',
      delimiter: '${env:LITERAL} and ;',
      password: 's',
    });
  });

  test('an empty variable takes the default with :-', () => {
    const { doc } = loadPipelineText(text, '/p/x.yaml', { env: { FILE: '', SEP: ',', SECRET: 's' } });
    expect(getByPath(doc, ['steps', 'read', 'config', 'file'])).toBe('fallback.csv');
  });

  test('a secret containing ": #" and newlines stays one string and cannot reshape the YAML', async () => {
    const secret = 'p: #not-a-comment\nsteps: {}';
    const { doc, issues } = loadPipelineText(text, '/p/x.yaml', { env: { SEP: ',', SECRET: secret } });
    expect(issues).toEqual([]);
    expect(getByPath(doc, ['steps', 'read', 'config', 'password'])).toBe(secret);
    expect(Object.keys(doc ?? {})).toEqual(['version', 'steps']);
    const { pipeline } = await check('pipelines/good.yaml', { env: { ETL_TEST_PASSWORD: secret } });
    expect(pipeline.secrets).toContain(secret);
  });

  test('unset variables are listed once each, with every location as an issue', () => {
    const twice = `${text}\n  other:\n    use: csv\n    config: { file: "\${env:SECRET}" }`;
    const { issues, unsetEnv } = loadPipelineText(twice, '/p/x.yaml', { env: {} });
    expect(unsetEnv).toEqual(['SEP', 'SECRET']);
    expect(issues.map((issue) => `${issue.line}:${issue.col} ${issue.path} ${issue.message}`)).toEqual([
      '7:18 steps.read.config.delimiter environment variable SEP is not set',
      '8:17 steps.read.config.password environment variable SECRET is not set',
      '11:21 steps.other.config.file environment variable SECRET is not set',
    ]);
  });

  test('variables inside profiles that are not applied are not required', () => {
    const withProfile = `${text}\nprofiles:\n  p:\n    steps: { read: { config: { file: "\${env:ONLY_IN_PROFILE}" } } }`;
    expect(loadPipelineText(withProfile, '/p/x.yaml', { env: { SEP: ',', SECRET: 's' } }).unsetEnv).toEqual([]);
    expect(
      loadPipelineText(withProfile, '/p/x.yaml', { env: { SEP: ',', SECRET: 's' }, profile: 'p' }).unsetEnv,
    ).toEqual(['ONLY_IN_PROFILE']);
  });
});

describe('parseDuration', () => {
  test.each([
    [250, 250],
    ['500ms', 500],
    ['10s', 10_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['42', 42],
  ])('%s → %i ms', (input, ms) => expect(parseDuration(input)).toBe(ms));

  test.each(['10x', '', 's', '-1s', -5])('%s is a ConfigError', (input) => {
    expect(() => parseDuration(input)).toThrow(/is not a duration/);
  });
});

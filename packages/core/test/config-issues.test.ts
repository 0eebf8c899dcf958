import { describe, expect, test } from 'vitest';
import { check } from './config-helpers.js';

// Broken pipelines → the exact lines `etl validate` prints (positions are 1-based line:col of the offending value or key).
const table: Array<[string, string[]]> = [
  [
    'syntax.yaml',
    [
      'broken/syntax.yaml:6:3: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }',
    ],
  ],
  ['unknown-key.yaml', ['broken/unknown-key.yaml:9:5: steps.load.retyr: unknown key "retyr" (did you mean `retry`?)']],
  [
    'wrong-type.yaml',
    [
      'broken/wrong-type.yaml:11:18: steps.load.config.batchSize: must be integer',
      'broken/wrong-type.yaml:12:13: steps.load.config.mode: must be one of: "insert", "upsert"',
    ],
  ],
  [
    'unknown-plugin.yaml',
    [
      'broken/unknown-plugin.yaml:4:10: steps.read.use: unknown plugin "csvv" (tried @etl/source-csvv, @etl/sink-csvv, @etl/transform-csvv, etl-plugin-csvv, csvv)' +
        ' (did you mean the built-in `csv`? Otherwise install it: pnpm add @etl/source-csvv (or @etl/sink-csvv, @etl/transform-csvv, etl-plugin-csvv), or use a path like ./plugins/csvv.js)',
    ],
  ],
  ['bad-input.yaml', ['broken/bad-input.yaml:8:14: steps.load.inputs[0]: no step named "raed" (did you mean `read`?)']],
  [
    'cycle.yaml',
    [
      'broken/cycle.yaml:8:13: steps.a.inputs: steps form a cycle: a → b → c → a (every step must lead back to the source through `inputs:`)',
    ],
  ],
  [
    'two-sources.yaml',
    [
      'broken/two-sources.yaml:7:10: steps.again.use: a pipeline has exactly one source, but "read" and "again" are both sources (split them into two pipelines)',
    ],
  ],
  [
    'unset-env.yaml',
    [
      'broken/unset-env.yaml:7:17: steps.read.config.password: environment variable ETL_TEST_SURELY_UNSET is not set (set ETL_TEST_SURELY_UNSET in the environment or .env)',
    ],
  ],
  [
    'bad-duration.yaml',
    [
      'broken/bad-duration.yaml:3:24: limiters.api.per: must be a duration like 500ms, 10s, 5m, 1h, or a number of milliseconds',
      'broken/bad-duration.yaml:11:14: steps.load.limiter: no limiter named "apii" (did you mean `api`?)',
    ],
  ],
  [
    'no-source.yaml',
    [
      'broken/no-source.yaml:1:10: version: must be one of: 1',
      'broken/no-source.yaml:2:1: steps: the pipeline has no source step (add a step whose plugin is a source, e.g. `use: kaggle`)',
      'broken/no-source.yaml:3:3: steps.shout: a transform cannot be first: it needs exactly one input (add `inputs:` naming the step it reads from)',
    ],
  ],
];

describe('broken pipelines report every issue with its position', () => {
  test.each(table)('%s', async (file, expected) => {
    const { lines } = await check(`broken/${file}`);
    expect(lines).toEqual(expected);
  });

  test('an unknown profile lists the profiles defined', async () => {
    const { lines } = await check('pipelines/good.yaml', { profile: 'prod', env: { ETL_TEST_PASSWORD: 'x' } });
    expect(lines).toEqual([
      'pipelines/good.yaml:35:1: profiles: unknown profile "prod" (profiles defined: demo, bad-type, no-audit)',
    ]);
  });

  test('an unknown --skip lists the steps', async () => {
    const { lines } = await check('pipelines/good.yaml', { skips: ['laod'], env: { ETL_TEST_PASSWORD: 'x' } });
    expect(lines).toEqual(['--skip laod: unknown step "laod" (steps: read, shout, load, audit)']);
  });

  test('a wrong value from a profile points at the profile entry', async () => {
    const { lines } = await check('pipelines/good.yaml', { profile: 'bad-type', env: { ETL_TEST_PASSWORD: 'x' } });
    expect(lines).toEqual(['pipelines/good.yaml:46:22: steps.load.config.batchSize: must be integer']);
  });

  test('a wrong value from --set names the flag', async () => {
    const { lines } = await check('pipelines/good.yaml', {
      sets: ['steps.load.config.batchSize=lots', 'steps.load.retry.attempts=0'],
      env: { ETL_TEST_PASSWORD: 'x' },
    });
    expect(lines).toEqual([
      '--set steps.load.config.batchSize: must be integer',
      '--set steps.load.retry.attempts: must be >= 1',
    ]);
  });

  test('a --set that re-creates a step a profile removed points at the flag', async () => {
    const { lines } = await check('pipelines/good.yaml', {
      profile: 'no-audit',
      sets: ['steps.audit.config.table=x'],
      env: { ETL_TEST_PASSWORD: 'x' },
    });
    expect(lines).toEqual(['--set steps.audit.config.table: steps.audit: missing required key "use"']);
  });

  test('a value given with --set never appears in an issue (it may be a token)', async () => {
    const { lines } = await check('pipelines/good.yaml', {
      sets: ['steps.load.config.auth.token=987654321'],
      env: { ETL_TEST_PASSWORD: 'x' },
    });
    expect(lines).toEqual(['--set steps.load.config.auth.token: must be string']);
  });

  test('a malformed --set is an issue, not a crash', async () => {
    const { lines } = await check('pipelines/good.yaml', {
      sets: ['limit', 'steps.load.config.table=[a'],
      env: { ETL_TEST_PASSWORD: 'x' },
    });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('--set limit: expected path=value (e.g. --set steps.hubspot.config.limit=10)');
    expect(lines[1]).toMatch(/^--set steps\.load\.config\.table: the value is not valid YAML: /);
  });

  test('every issue is collected, not just the first', async () => {
    const { lines } = await check('pipelines/good.yaml', {
      sets: ['steps.read.config.delimiter=1', 'steps.load.mode=fast', 'steps.audit.inputs=nowhere'],
    });
    expect(lines).toEqual([
      '--set steps.audit.inputs: no step named "nowhere" (steps: read, shout, load)',
      '--set steps.load.mode: unknown key "mode" (allowed keys: use, description, inputs, config, limiter, batchSize, retry)',
      '--set steps.read.config.delimiter: must be string',
      'pipelines/good.yaml:14:17: steps.read.config.password: environment variable ETL_TEST_PASSWORD is not set (set ETL_TEST_PASSWORD in the environment or .env)',
    ]);
  });
});

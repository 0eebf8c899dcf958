import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  findPipelineFile,
  formatIssue,
  listPipelineFiles,
  loadDotenv,
  loadProjectConfig,
  preparePipeline,
} from '@etl/core';
import { fixtures, testResolver } from './config-helpers.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'etl-project-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

async function project(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  return dir;
}

describe('loadProjectConfig', () => {
  test('finds etl.config.yaml from a subfolder and makes paths absolute', async () => {
    // package.json makes `dir` the project root (security.test.ts: the search never goes above one).
    const dir = await project('yaml', {
      'package.json': '{}',
      'etl.config.yaml':
        'pipelinesDir: flows\nstateDir: var/etl\npluginPaths: [plugins]\ndefaults:\n  settings: { batchSize: 10 }\n',
      'deep/er/.keep': '',
    });
    expect(await loadProjectConfig(join(dir, 'deep/er'))).toEqual({
      root: dir,
      configFile: join(dir, 'etl.config.yaml'),
      pipelinesDir: join(dir, 'flows'),
      stateDir: join(dir, 'var/etl'),
      pluginPaths: [join(dir, 'plugins')],
      defaults: { settings: { batchSize: 10 } },
    });
  });

  test('reads the etl key of package.json', async () => {
    const dir = await project('pkg', { 'package.json': JSON.stringify({ name: 'x', etl: { pipelinesDir: 'p' } }) });
    const config = await loadProjectConfig(dir);
    expect(config.configFile).toBe(join(dir, 'package.json'));
    expect(config.pipelinesDir).toBe(join(dir, 'p'));
  });

  test('without a config file, the working folder is the root', async () => {
    const dir = await project('none', { '.keep': '' });
    const config = await loadProjectConfig(dir);
    expect(config).toMatchObject({
      root: dir,
      pipelinesDir: join(dir, 'pipelines'),
      stateDir: join(dir, '.etl'),
      pluginPaths: [],
      defaults: {},
    });
    expect(config.configFile).toBeUndefined();
  });

  test('an invalid config is a ConfigError with positions and hints', async () => {
    const dir = await project('bad', { '.etlrc.yml': 'pipelinesDir: flows\npluginPath: [x]\nstateDir: 3\n' });
    const error = (await loadProjectConfig(dir).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues.map((issue) => formatIssue(issue, dir))).toEqual([
      '.etlrc.yml:2:1: pluginPath: unknown key "pluginPath" (did you mean `pluginPaths`?)',
      '.etlrc.yml:3:11: stateDir: must be string',
    ]);
  });

  test('a config with a syntax error says which file', async () => {
    const dir = await project('syntax', { 'etl.config.json': '{ "pipelinesDir": ' });
    const error = (await loadProjectConfig(dir).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(join(dir, 'etl.config.json'));
  });

  test('a package.json that is not JSON is reported too, and one without an etl key is no config', async () => {
    const broken = await project('broken-pkg', { 'package.json': '{ "name": ' });
    const error = (await loadProjectConfig(broken).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(join(broken, 'package.json'));
    const plain = await project('plain-pkg', { 'package.json': '{ "name": "x" }' });
    expect(await loadProjectConfig(plain)).toMatchObject({ root: plain, pipelinesDir: join(plain, 'pipelines') });
    expect((await loadProjectConfig(plain)).configFile).toBeUndefined();
  });
});

describe('loadDotenv', () => {
  test('sets only variables that are not set yet and returns their names', async () => {
    const dir = await project('dotenv', { '.env': 'ETL_DOTENV_A=from-file\nETL_DOTENV_B="quoted: #value"\n' });
    process.env.ETL_DOTENV_A = 'from-env';
    delete process.env.ETL_DOTENV_B;
    try {
      expect(loadDotenv(dir)).toEqual(['ETL_DOTENV_B']);
      expect(process.env.ETL_DOTENV_A).toBe('from-env');
      expect(process.env.ETL_DOTENV_B).toBe('quoted: #value');
      expect(loadDotenv(join(dir, 'missing'))).toEqual([]);
    } finally {
      delete process.env.ETL_DOTENV_A;
      delete process.env.ETL_DOTENV_B;
    }
  });
});

describe('pipeline files', () => {
  test('a name finds .yaml or .yml; a miss lists what exists', async () => {
    const dir = await project('files', { 'pipelines/a.yaml': '', 'pipelines/b.yml': '', 'pipelines/notes.txt': '' });
    const config = await loadProjectConfig(dir);
    expect(listPipelineFiles(config)).toEqual([join(dir, 'pipelines/a.yaml'), join(dir, 'pipelines/b.yml')]);
    expect(findPipelineFile('b', config)).toBe(join(dir, 'pipelines/b.yml'));
    expect(findPipelineFile('pipelines/a.yaml', config, dir)).toBe(join(dir, 'pipelines/a.yaml'));
    const error = (() => {
      try {
        findPipelineFile('c', config);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.code).toBe('PIPELINE_NOT_FOUND');
    expect(error?.suggestions[0]).toBe(`Pipelines in ${join(dir, 'pipelines')}: a, b.`);
  });
});

describe('preparePipeline', () => {
  test('composes project config, defaults, profile, env and validation', async () => {
    const dir = await project('prepare', {
      'etl.config.yml':
        'pipelinesDir: flows\ndefaults:\n  settings:\n    batchSize: 7\n  limiters:\n    spare: { max: 1, per: 1s }\n',
    });
    await mkdir(join(dir, 'flows'));
    await copyFile(join(fixtures, 'pipelines/good.yaml'), join(dir, 'flows/good.yaml'));
    const prepared = await preparePipeline('good', {
      cwd: dir,
      profile: 'demo',
      env: { ETL_TEST_PASSWORD: 'pw' },
      resolver: testResolver(),
    });
    expect(prepared.issues).toEqual([]);
    expect(prepared.unsetEnv).toEqual([]);
    expect(prepared.project.pipelinesDir).toBe(join(dir, 'flows'));
    expect(prepared.pipeline.profile).toBe('demo');
    expect(prepared.pipeline.batchSize).toBe(200);
    expect(Object.keys(prepared.pipeline.limiters)).toEqual(['spare', 'api']);
    expect(prepared.pipeline.steps.find((step) => step.name === 'load')?.config).toMatchObject({
      batchSize: 50,
      limit: 5,
    });
  });

  test('a bad value from the project defaults points into the project config', async () => {
    const dir = await project('prepare-defaults', {
      'etl.config.yaml': 'defaults:\n  settings:\n    batchSize: big\n',
      'pipelines/x.yaml': 'version: 1\nsteps:\n  read:\n    use: csv\n    config: { file: a.csv }\n',
    });
    const prepared = await preparePipeline('x', { cwd: dir, env: {}, resolver: testResolver() });
    expect(prepared.issues.map((issue) => formatIssue(issue, dir))).toEqual([
      'etl.config.yaml:3:16: settings.batchSize: must be integer',
    ]);
  });

  test('issues come back sorted; allowUnsetEnv turns unset variables into located warnings', async () => {
    const dir = await project('prepare-bad', {
      'pipelines/x.yaml':
        'version: 1\nsteps:\n  read:\n    use: csv\n    config: { file: "${env:ETL_X_FILE}", extra: 1 }\n',
    });
    const strict = await preparePipeline('x', { cwd: dir, env: {}, resolver: testResolver() });
    expect(strict.unsetEnv).toEqual(['ETL_X_FILE']);
    expect(strict.issues.map((issue) => formatIssue(issue, dir))).toEqual([
      'pipelines/x.yaml:5:21: steps.read.config.file: environment variable ETL_X_FILE is not set (set ETL_X_FILE in the environment or .env)',
      'pipelines/x.yaml:5:42: steps.read.config.extra: unknown key "extra" (allowed keys: file, delimiter, password)',
    ]);
    const lenient = await preparePipeline('x', { cwd: dir, env: {}, resolver: testResolver(), allowUnsetEnv: true });
    expect(lenient.unsetEnv).toEqual(['ETL_X_FILE']);
    expect(lenient.issues.map((issue) => issue.path)).toEqual(['steps.read.config.extra']);
    expect(lenient.warnings.map((issue) => formatIssue(issue, dir))).toEqual([
      'pipelines/x.yaml:5:21: warning: steps.read.config.file: environment variable ETL_X_FILE is not set (set ETL_X_FILE in the environment or .env)',
    ]);
    expect(strict.warnings).toEqual([]);
  });
});

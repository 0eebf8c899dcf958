import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPluginResolver, PluginLoadError, pluginCandidates } from '@etl/core';
import { testBuiltins } from './fixtures/config/test-plugins.js';

const pluginsDir = join(import.meta.dirname, 'fixtures/plugins');
const pipelineDir = join(import.meta.dirname, 'fixtures/config/pipelines');

async function loadError(promise: Promise<unknown>): Promise<PluginLoadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PluginLoadError);
  return error as PluginLoadError;
}

describe('plugins given by path, loaded for real from fixtures', () => {
  const resolver = createPluginResolver({ searchPaths: [] });

  test('a valid plugin resolves relative to the pipeline file, and the factory runs once per step', async () => {
    const first = await resolver.resolve('../../plugins/valid-sink.js', pipelineDir);
    const second = await resolver.resolve('../../plugins/valid-sink', pipelineDir);
    expect(first.from).toBe(join(pluginsDir, 'valid-sink.js'));
    expect(first.plugin).toMatchObject({ name: 'valid-sink', kind: 'sink' });
    expect((second.plugin as unknown as { instance: number }).instance).toBe(
      (first.plugin as unknown as { instance: number }).instance + 1,
    );
  });

  test('a sink without write() says exactly that', async () => {
    const error = await loadError(resolver.resolve(join(pluginsDir, 'missing-write.js'), pipelineDir));
    expect(error.code).toBe('PLUGIN_INVALID');
    expect(error.message).toBe(
      `Invalid plugin "${join(pluginsDir, 'missing-write.js')}" (${join(pluginsDir, 'missing-write.js')}): a sink must have write()`,
    );
  });

  test('a plugin that throws while loading names the file and the cause', async () => {
    const error = await loadError(resolver.resolve('../../plugins/throws-on-load.js', pipelineDir));
    expect(error.code).toBe('PLUGIN_LOAD_FAILED');
    expect(error.message).toBe(
      `Plugin "../../plugins/throws-on-load.js" failed to load from ${join(pluginsDir, 'throws-on-load.js')}: boom while loading`,
    );
    expect((error.cause as Error).message).toBe('boom while loading');
  });

  test('a plugin whose own import is missing is a load failure, not "not found"', async () => {
    const error = await loadError(resolver.resolve('../../plugins/missing-dependency.js', pipelineDir));
    expect(error.code).toBe('PLUGIN_LOAD_FAILED');
    expect(error.message).toContain('etl-test-package-that-does-not-exist');
  });

  test('a default export that is not an object or factory', async () => {
    const error = await loadError(resolver.resolve('../../plugins/not-an-object.js', pipelineDir));
    expect(error.message).toMatch(
      /: the default export must be a plugin object or a factory returning one, but it is number$/,
    );
  });

  test('a module with a plugins array: one picked by name', async () => {
    const several = join(pluginsDir, 'several.js');
    const error = await loadError(resolver.resolve(several, pipelineDir));
    expect(error.message).toMatch(/the module provides "alpha", "beta", none named/);
  });

  test('a missing file', async () => {
    const error = await loadError(resolver.resolve('./nope.js', pipelineDir));
    expect(error.code).toBe('PLUGIN_NOT_FOUND');
    expect(error.message).toBe(
      `Plugin file not found: ${join(pipelineDir, 'nope.js')} (use: ./nope.js, relative to ${pipelineDir})`,
    );
  });
});

describe('plugins by name', () => {
  test('candidates follow the documented order', () => {
    expect(pluginCandidates('kaggle')).toEqual([
      '@etl/source-kaggle',
      '@etl/sink-kaggle',
      '@etl/transform-kaggle',
      'etl-plugin-kaggle',
      'kaggle',
    ]);
    expect(pluginCandidates('@acme/etl-thing')).toEqual(['@acme/etl-plugin-etl-thing', '@acme/etl-thing']);
    expect(pluginCandidates('@acme/etl-plugin-thing')).toEqual(['@acme/etl-plugin-thing']);
    expect(pluginCandidates('some-plugin/sub')).toEqual(['some-plugin/sub']);
  });

  test('built-ins come first, then candidates in order across the search folders', async () => {
    const tried: string[] = [];
    const modules: Record<string, unknown> = {
      '/plugins:etl-plugin-csv': { default: () => ({ name: 'csv', kind: 'source', configSchema: {}, read() {} }) },
      '/cli:@etl/sink-csv': { default: () => ({ name: 'csv', kind: 'sink', configSchema: {}, write() {} }) },
    };
    const resolver = createPluginResolver({
      searchPaths: ['/plugins', '/cli'],
      builtins: { upper: testBuiltins.upper },
      loader: async (specifier, dir) => {
        tried.push(`${dir}:${specifier}`);
        const found = modules[`${dir}:${specifier}`];
        if (!found)
          throw Object.assign(new Error(`Cannot find module '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
        return found;
      },
    });
    expect((await resolver.resolve('upper', '/pipes')).from).toBe('builtin');
    expect(tried).toEqual([]);
    const { plugin, from } = await resolver.resolve('csv', '/pipes');
    // @etl/sink-csv is found (in /cli) before etl-plugin-csv is tried anywhere.
    expect(from).toBe('@etl/sink-csv');
    expect(plugin.kind).toBe('sink');
    expect(tried).toEqual([
      '/pipes:@etl/source-csv',
      '/plugins:@etl/source-csv',
      '/cli:@etl/source-csv',
      '/pipes:@etl/sink-csv',
      '/plugins:@etl/sink-csv',
      '/cli:@etl/sink-csv',
    ]);
  });

  test('a miss lists every candidate and how to install one', async () => {
    const resolver = createPluginResolver({
      searchPaths: ['/project'],
      builtins: testBuiltins,
      loader: async (specifier) => {
        throw Object.assign(new Error(`Cannot find module '${specifier}'`), { code: 'MODULE_NOT_FOUND' });
      },
    });
    const error = await loadError(resolver.resolve('hubspott', '/pipes'));
    expect(error.code).toBe('PLUGIN_NOT_FOUND');
    expect(error.message).toBe(
      'Plugin "hubspott" not found. Tried the built-ins (csv, upper, db), @etl/source-hubspott, @etl/sink-hubspott, @etl/transform-hubspott, etl-plugin-hubspott, hubspott, from /pipes, /project.',
    );
    expect(error.suggestions).toEqual([
      'Install the plugin, e.g. `pnpm add @etl/source-hubspott` or `pnpm add @etl/sink-hubspott` or `pnpm add @etl/transform-hubspott` or `pnpm add etl-plugin-hubspott`.',
      'Or point `use:` at a file relative to the pipeline: `use: ./plugins/hubspott.js`.',
    ]);
  });

  test('loader errors other than "this module is missing" are not swallowed', async () => {
    const resolver = createPluginResolver({
      searchPaths: [],
      loader: async () => {
        throw Object.assign(new Error("Cannot find module 'left-pad' imported from x.js"), {
          code: 'ERR_MODULE_NOT_FOUND',
        });
      },
    });
    const error = await loadError(resolver.resolve('thing', '/pipes'));
    expect(error.code).toBe('PLUGIN_LOAD_FAILED');
    expect(error.message).toContain('left-pad');
  });
});

describe('installed packages in node_modules (real resolution and import)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'etl-resolve-'));
    const pkg = async (name: string, manifest: object, files: Record<string, string>) => {
      const dir = join(root, 'node_modules', name);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name, type: 'module', ...manifest }));
      for (const [file, text] of Object.entries(files)) {
        await mkdir(join(dir, file, '..'), { recursive: true });
        await writeFile(join(dir, file), text);
      }
    };
    const sink = (name: string) =>
      `export default () => ({ name: '${name}', kind: 'sink', description: 'test ${name}', configSchema: { type: 'object' }, async write() { return { written: 0 }; } });`;
    await pkg(
      '@etl/sink-memo',
      { exports: { '.': { types: './x.d.ts', import: './dist/index.js' } } },
      { 'dist/index.js': sink('memo') },
    );
    await pkg('etl-plugin-legacy', { main: 'lib/main.js' }, { 'lib/main.js': sink('legacy') });
    await pkg('@etl/source-broken', { main: 'index.js' }, { 'index.js': 'export default 1;' });
    await pkg(
      '@acme/etl-plugin-pipedrive',
      { exports: { '.': './dist/index.js' } },
      { 'dist/index.js': sink('pipedrive') },
    );
    await pkg(
      'etl-plugin-multi',
      { exports: { '.': './dist/index.js', './*': './dist/plugins/*.js' } },
      { 'dist/index.js': sink('multi'), 'dist/plugins/extra.js': sink('extra') },
    );
    await mkdir(join(root, 'pipelines'));
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  test('resolves exports conditions and main from the pipeline folder upwards', async () => {
    const resolver = createPluginResolver({ searchPaths: [] });
    const memo = await resolver.resolve('memo', join(root, 'pipelines'));
    expect(memo).toMatchObject({ from: '@etl/sink-memo', plugin: { name: 'memo', kind: 'sink' } });
    const legacy = await resolver.resolve('legacy', join(root, 'pipelines'));
    expect(legacy.plugin.name).toBe('legacy');
  });

  test('subpath patterns in exports (`./*`) resolve as Node resolves them', async () => {
    const resolver = createPluginResolver({ searchPaths: [] });
    const extra = await resolver.resolve('etl-plugin-multi/extra', join(root, 'pipelines'));
    expect(extra).toMatchObject({ from: 'etl-plugin-multi/extra', plugin: { name: 'extra' } });
  });

  test("`use: @scope/name` finds a third party's @scope/etl-plugin-name", async () => {
    const resolver = createPluginResolver({ searchPaths: [] });
    const found = await resolver.resolve('@acme/pipedrive', join(root, 'pipelines'));
    expect(found).toMatchObject({ from: '@acme/etl-plugin-pipedrive', plugin: { name: 'pipedrive' } });
  });

  test('a misspelt name suggests the installed plugin it is closest to', async () => {
    const resolver = createPluginResolver({ searchPaths: [] });
    const error = await loadError(resolver.resolve('lgeacy', join(root, 'pipelines')));
    expect(error.code).toBe('PLUGIN_NOT_FOUND');
    expect(error.suggestions[0]).toBe('Did you mean the installed plugin `legacy`?');
  });

  test('listInstalled finds @etl/*, etl-plugin-* and @scope/etl-plugin-* packages and reports broken ones', async () => {
    const resolver = createPluginResolver({
      searchPaths: [join(root, 'pipelines')],
      builtins: { upper: testBuiltins.upper },
    });
    const listed = await resolver.listInstalled();
    const summary = listed.map(
      (entry) => `${entry.use} ${entry.package} ${entry.plugin ? entry.plugin.kind : `error: ${entry.error}`}`,
    );
    expect(summary).toEqual([
      'upper builtin transform',
      'memo @etl/sink-memo sink',
      'broken @etl/source-broken error: Invalid plugin "broken" (@etl/source-broken): the default export must be a plugin object or a factory returning one, but it is number',
      '@acme/pipedrive @acme/etl-plugin-pipedrive sink',
      'legacy etl-plugin-legacy sink',
      'multi etl-plugin-multi sink',
    ]);
  });
});

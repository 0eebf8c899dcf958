/**
 * `etl new plugin`: writes a plugin package that builds with tsc, passes the contract kit, and runs in its example
 * pipeline once installed beside the CLI. Kind-specific code comes from `templates/<kind>/` (real TypeScript files
 * with `__USE__`-style placeholders); the manifest and the shared files from `shared-files.ts`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@etl/core';
import { pluginNames, type PluginKindName } from './names.js';
import {
  examplePipeline,
  gitignore,
  packageJson,
  readme,
  sampleSink,
  sampleSource,
  tsconfig,
  vitestConfig,
  type ScaffoldInput,
} from './shared-files.js';

export { pluginNames, type PluginKindName, type PluginNames } from './names.js';

const templatesDir = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface ScaffoldOptions {
  name: string;
  kind: PluginKindName;
  /** Folder to create. @default ./<name without scope> */
  dir?: string;
  /** Range of @etl/core and @etl/testing, e.g. `^0.1.0`. */
  etlRange: string;
}

export interface ScaffoldResult {
  dir: string;
  packageName: string;
  use: string;
  /** Files written, relative to `dir`. */
  files: string[];
}

export async function scaffoldPlugin(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const names = pluginNames(options.name);
  const dir = resolve(options.dir ?? names.dirName);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new ConfigError(`${dir} already exists and is not empty; nothing was written.`, [], {
      code: 'USAGE_DIR_NOT_EMPTY',
      suggestions: ['Choose another folder with --dir, or remove that one.'],
    });
  }
  const input: ScaffoldInput = { names, kind: options.kind, etlRange: options.etlRange };
  const fill = (text: string) =>
    text
      .replaceAll('__USE__', names.use)
      .replaceAll('__FACTORY__', names.factory)
      .replaceAll('__TYPE__', names.factory[0].toUpperCase() + names.factory.slice(1))
      .replaceAll('__DIR__', names.dirName);
  const files: Record<string, string> = {
    'package.json': packageJson(input),
    'tsconfig.json': tsconfig,
    'vitest.config.ts': vitestConfig,
    '.gitignore': gitignore,
    'README.md': readme(input),
    'src/index.ts': fill(await readFile(join(templatesDir, options.kind, 'src/index.ts.tpl'), 'utf8')),
    'test/contract.test.ts': fill(
      await readFile(join(templatesDir, options.kind, 'test/contract.test.ts.tpl'), 'utf8'),
    ),
    'example/pipeline.yaml': examplePipeline(input),
    ...(options.kind === 'source' ? {} : { 'example/sample-source.js': sampleSource }),
    ...(options.kind === 'sink' ? {} : { 'example/sample-sink.js': sampleSink }),
  };
  for (const [file, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  return { dir, packageName: names.packageName, use: names.use, files: Object.keys(files) };
}

/** The files every new plugin package gets, whatever its kind: manifest, compiler settings, README, example. */
import type { PluginKindName, PluginNames } from './names.js';

export interface ScaffoldInput {
  names: PluginNames;
  kind: PluginKindName;
  /** The range of @etl/core and @etl/testing to depend on, e.g. `^0.1.0`. */
  etlRange: string;
}

export function packageJson({ names, kind, etlRange }: ScaffoldInput): string {
  const manifest = {
    name: names.packageName,
    version: '0.1.0',
    description: `etl ${kind} plugin: ${names.use}`,
    type: 'module',
    license: 'MIT',
    keywords: ['etl-plugin', `etl-${kind}`],
    engines: { node: '>=20.19' },
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    main: './dist/index.js',
    types: './dist/index.d.ts',
    files: ['dist', 'example', 'README.md'],
    scripts: { build: 'tsc -p tsconfig.json', test: 'vitest run', prepack: 'npm run build' },
    peerDependencies: { '@etl/core': etlRange },
    devDependencies: {
      '@etl/core': etlRange,
      '@etl/testing': etlRange,
      '@types/node': '^20.19.0',
      typescript: '~5.9.0',
      vitest: '4.1.12',
    },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

export const tsconfig = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      declaration: true,
      sourceMap: true,
      skipLibCheck: true,
      types: ['node'],
      rootDir: 'src',
      outDir: 'dist',
    },
    include: ['src'],
  },
  null,
  2,
)}\n`;

/** Pins the tests to `test/` (and keeps vitest from adopting the config of a folder above). */
export const vitestConfig = `import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 60_000 } });
`;

export const gitignore = 'node_modules/\ndist/\n.etl/\n*.tgz\n';

export function readme({ names, kind }: ScaffoldInput): string {
  return `# ${names.packageName}

An etl ${kind} plugin. Pipelines use it as \`use: ${names.use}\` once the package is installed beside the \`etl\` CLI.

\`\`\`sh
npm install          # @etl/core and @etl/testing are dev dependencies (and @etl/core a peer one)
npm run build        # tsc → dist/
npm test             # the etl contract kit (test/contract.test.ts)
npm pack             # → ${names.packageName.replace(/^@/, '').replace('/', '-')}-0.1.0.tgz
\`\`\`

Try it: install the tarball in the project where the CLI is installed, then run the example pipeline from there:

\`\`\`sh
npm install ./${names.dirName}/${names.packageName.replace(/^@/, '').replace('/', '-')}-0.1.0.tgz
npx etl run ${names.dirName}/example/pipeline.yaml
\`\`\`

\`src/index.ts\` says what to change; the plugin contract is documented in \`@etl/core/plugin\` and the guide
(\`docs/plugin-authoring.md\` of the etl repository).
`;
}

/** A source for examples that need one: numbered records, no files or network. */
export const sampleSource = `// A tiny source for the example pipeline: \`count\` numbered records in batches of 10.
export default () => ({
  name: 'sample',
  kind: 'source',
  description: 'Numbered sample records.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { count: { type: 'integer', minimum: 0, default: 25, description: 'How many records.' } },
  },
  async *read(ctx, config, from) {
    for (let next = from ?? 0; next < config.count; next += 10) {
      const records = [];
      for (let id = next; id < Math.min(next + 10, config.count); id++) records.push({ id, name: \`name \${id}\`, email: \`user\${id}@example.com\` });
      yield { records, position: next + records.length };
    }
  },
});
`;

/** A sink for examples that need one: appends JSON lines to `file` (relative to the working folder). */
export const sampleSink = `// A tiny sink for the example pipeline: appends records as JSON lines to \`file\`.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export default () => ({
  name: 'sample-out',
  kind: 'sink',
  description: 'Appends records to a JSON Lines file.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: { file: { type: 'string', description: 'The file to append to (relative to the working folder).' } },
  },
  destination: (ctx, config) => ({ id: \`file://\${resolve(config.file)}\` }),
  async write(ctx, config, batch) {
    if (ctx.dryRun) return { written: batch.records.length };
    mkdirSync(dirname(resolve(config.file)), { recursive: true });
    appendFileSync(resolve(config.file), batch.records.map((r) => JSON.stringify(r) + '\\n').join(''));
    return { written: batch.records.length };
  },
});
`;

/** The example pipeline: the new plugin by name, with sample steps by path where it needs a source or a sink. */
export function examplePipeline({ names, kind }: ScaffoldInput): string {
  const head = `# The example pipeline of ${names.packageName}. Install the package beside the etl CLI, then run it from that
# project: npx etl run ${names.dirName}/example/pipeline.yaml
# \`use: ./...\` paths are relative to this file; config paths (dir, file) to the working folder.
version: 1
description: sample records through ${names.use}

steps:
`;
  const source =
    kind === 'source'
      ? `  read:\n    use: ${names.use}\n    config:\n      count: 25\n`
      : `  read:\n    use: ./sample-source.js\n    config:\n      count: 25\n`;
  const middle =
    kind === 'transform'
      ? `\n  change:\n    use: ${names.use}\n    inputs: [read]\n    config:\n      fields: [name]\n`
      : '';
  const input = kind === 'transform' ? 'change' : 'read';
  const sink =
    kind === 'sink'
      ? `\n  write:\n    use: ${names.use}\n    inputs: [read]\n    config:\n      dir: .etl/${names.dirName}-out\n`
      : `\n  write:\n    use: ./sample-sink.js\n    inputs: [${input}]\n    config:\n      file: .etl/${names.dirName}-out.jsonl\n`;
  return head + source + middle + sink;
}

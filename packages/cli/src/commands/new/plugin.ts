import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { cliPackageDir, EtlCommand } from '../../base-command.js';
import { scaffoldPlugin, type PluginKindName, type ScaffoldResult } from '../../scaffold/index.js';

export default class NewPlugin extends EtlCommand {
  static override summary = 'Create a plugin package: source, transform or sink, with tests and an example pipeline.';
  static override description =
    `Writes a TypeScript package named etl-plugin-<name> (or @scope/etl-plugin-<name>) that pipelines use as \`use: <name>\` once it is installed beside the CLI: src/index.ts with the hooks to fill in, test/contract.test.ts running the etl contract kit, and example/pipeline.yaml.
Then: npm install, npm run build, npm test, npm pack; install the tarball in your project and run the example pipeline.`;

  static override examples = [
    { description: 'A sink in ./acme-sink', command: '<%= config.bin %> new plugin acme-sink --kind sink' },
    {
      description: 'A scoped source in a chosen folder',
      command: '<%= config.bin %> new plugin @acme/crm --kind source --dir plugins/crm',
    },
  ];

  static override args = {
    name: Args.string({
      required: true,
      description: 'Plugin name: what pipelines write in `use:` (e.g. acme-sink or @acme/crm).',
    }),
  };

  static override enableJsonFlag = true;

  static override flags = {
    kind: Flags.option({
      options: ['source', 'transform', 'sink'] as const,
      required: true,
      description: 'What the plugin is.',
    })(),
    dir: Flags.string({ description: 'Folder to create (default: ./<name>). Must not exist or be empty.' }),
  };

  async run(): Promise<ScaffoldResult> {
    const { args, flags } = await this.parse(NewPlugin);
    const version = (JSON.parse(readFileSync(join(cliPackageDir, 'package.json'), 'utf8')) as { version: string })
      .version;
    const result = await scaffoldPlugin({
      name: args.name,
      kind: flags.kind as PluginKindName,
      dir: flags.dir,
      etlRange: `^${version}`,
    });
    if (this.jsonEnabled()) return result;
    const where = relative(process.cwd(), result.dir) || '.';
    this.print(`Created ${result.packageName} (${flags.kind}, use: ${result.use}) in ${where}:`);
    for (const file of result.files) this.print(`  ${file}`);
    this.print(
      `\nNext:\n  cd ${where}\n  npm install && npm run build && npm test && npm pack\n  then install the tarball beside the etl CLI and run: npx etl run ${where}/example/pipeline.yaml`,
    );
    return result;
  }
}

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { buildPipelineSchema, type Plugin } from '@etl/core';
import { EtlCommand } from '../base-command.js';

export default class Schema extends EtlCommand {
  static override summary = 'Write the JSON Schema of pipeline files, for editor completion and checks.';
  static override description =
    `Builds the schema from the pipeline format and every installed plugin's config schema, so an editor (yaml-language-server) completes and checks step configs.
Point a pipeline at it with a first line like: # yaml-language-server: $schema=../.etl/pipeline.schema.json`;

  static override examples = [
    { description: 'Print the schema', command: '<%= config.bin %> schema' },
    {
      description: 'Write it where the pipelines reference it',
      command: '<%= config.bin %> schema --output .etl/pipeline.schema.json',
    },
  ];

  static override flags = {
    output: Flags.string({
      char: 'o',
      description: 'Write the schema to this file instead of stdout (folders are created).',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Schema);
    const project = await this.project();
    const installed = await this.resolver(project).listInstalled();
    const plugins = installed.map((p) => p.plugin).filter((p): p is Plugin => p !== undefined);
    for (const broken of installed.filter((p) => p.error))
      this.printErr(`Warning: ${broken.package} was left out: ${broken.error}`);
    const text = `${JSON.stringify(buildPipelineSchema(plugins), null, 2)}\n`;
    if (!flags.output) {
      process.stdout.write(text);
      return;
    }
    const file = resolve(flags.output);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
    this.printErr(`Wrote the schema for ${plugins.length} plugins to ${relative(process.cwd(), file) || file}`);
  }
}

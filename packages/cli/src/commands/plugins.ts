import { EtlCommand } from '../base-command.js';
import { describeConfig, type ConfigField } from '../render/config-fields.js';
import { table } from '../render/table.js';

/** One plugin as `--json` lists it. */
interface PluginListing {
  use: string;
  kind: string | undefined;
  package: string;
  from: string;
  description: string;
  config: ConfigField[];
  error?: string;
}

export default class Plugins extends EtlCommand {
  static override summary = 'List the plugins pipelines can use.';
  static override description =
    `Built-in transforms and the installed @etl/source-*, @etl/sink-*, @etl/transform-*, etl-plugin-* and @scope/etl-plugin-* packages, with each plugin's config fields (name, type, default, description, whether it is secret). \`etl docs\` writes the same as Markdown pages.`;

  static override examples = [
    { description: 'List plugins and their config fields', command: '<%= config.bin %> plugins' },
    { description: 'As JSON', command: '<%= config.bin %> plugins --json' },
  ];

  static override enableJsonFlag = true;

  async run(): Promise<PluginListing[]> {
    await this.parse(Plugins);
    const project = await this.project();
    const installed = await this.resolver(project).listInstalled();
    const list = installed.map((p) => ({
      use: p.use,
      kind: p.plugin?.kind,
      package: p.package,
      from: p.from,
      description: p.plugin?.description ?? '',
      config: p.plugin ? describeConfig(p.plugin.configSchema) : ([] as ConfigField[]),
      ...(p.error ? { error: p.error } : {}),
    }));
    if (this.jsonEnabled()) return list;
    this.print(
      table(
        ['name', 'kind', 'package', 'description'],
        list.map((p) => [p.use, p.kind ?? 'broken', p.package, p.error ?? p.description]),
      ),
    );
    for (const p of list) {
      if (p.config.length === 0) continue;
      this.print(`\n${p.use} (${p.kind}) config:`);
      const rows = p.config.map((f) => [
        f.name,
        f.type,
        f.default === undefined ? '' : JSON.stringify(f.default),
        f.secret ? 'yes' : '',
        f.description ?? '',
      ]);
      this.print(table(['field', 'type', 'default', 'secret', 'description'], rows).replace(/^/gm, '  '));
    }
    return list;
  }
}

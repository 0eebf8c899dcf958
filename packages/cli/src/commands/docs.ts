import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { ConfigError } from '@etl/core';
import { EtlCommand } from '../base-command.js';
import { GENERATED_NOTE, referencePages } from '../render/plugin-docs.js';

export default class Docs extends EtlCommand {
  static override summary = 'Write the plugin reference: a Markdown page per plugin, from its config schema.';
  static override description =
    `One page per built-in and installed plugin (fields, types, defaults, examples, an example step) and an index, in --out (default docs/plugins).
Pages this command wrote earlier for plugins no longer installed are removed. With --check nothing is written: the command fails (exit 3) when a page is missing, stale or extra, for CI.`;

  static override examples = [
    { description: 'Regenerate docs/plugins', command: '<%= config.bin %> docs' },
    { description: 'Fail when docs/plugins is stale (CI)', command: '<%= config.bin %> docs --check' },
  ];

  static override flags = {
    out: Flags.string({ char: 'o', description: 'Folder for the pages.', default: 'docs/plugins' }),
    check: Flags.boolean({
      description: 'Write nothing; exit 3 when the pages differ from what would be written.',
      default: false,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Docs);
    const project = await this.project();
    const installed = await this.resolver(project).listInstalled();
    for (const broken of installed.filter((p) => p.error))
      this.printErr(`Warning: ${broken.package} was left out: ${broken.error}`);
    const pages = referencePages(installed);
    const out = resolve(flags.out);
    const where = relative(process.cwd(), out) || out;
    // Only pages this command generated count as ours: hand-written files in the folder are left alone.
    const existing = existsSync(out) ? readdirSync(out).filter((file) => file.endsWith('.md')) : [];
    const ours = (
      await Promise.all(
        existing.map(async (file) =>
          (await readFile(join(out, file), 'utf8')).startsWith(GENERATED_NOTE) ? file : undefined,
        ),
      )
    ).filter((file): file is string => file !== undefined);
    const extra = ours.filter((file) => !pages.has(file));
    const changed: string[] = [];
    for (const [file, text] of pages) {
      const path = join(out, file);
      if (!existsSync(path) || (await readFile(path, 'utf8')) !== text) changed.push(file);
    }
    if (flags.check) {
      if (changed.length === 0 && extra.length === 0) {
        this.print(`${where}: ${pages.size} pages up to date`);
        return;
      }
      throw new ConfigError(
        `${where} is stale: ${[...changed.map((f) => `${f} (missing or changed)`), ...extra.map((f) => `${f} (no such plugin)`)].join(', ')}.`,
        [],
        {
          code: 'DOCS_STALE',
          suggestions: [
            `Run \`etl docs --out ${flags.out}\` (in this repository: \`pnpm etl docs\`) and commit the result.`,
          ],
        },
      );
    }
    await mkdir(out, { recursive: true });
    for (const file of changed) await writeFile(join(out, file), pages.get(file)!);
    for (const file of extra) await rm(join(out, file));
    this.print(`${where}: ${pages.size} pages, ${changed.length} written, ${extra.length} removed`);
  }
}

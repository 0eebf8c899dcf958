import { relative } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { ConfigError, ExitCode, formatIssue, listPipelineFiles, preparePipeline, type ConfigIssue } from '@etl/core';
import { cliPackageDir, EtlCommand, jsonFlag } from '../base-command.js';

interface FileResult {
  file: string;
  valid: boolean;
  issues: ConfigIssue[];
  unsetEnv: string[];
}

export default class Validate extends EtlCommand {
  static override summary = 'Check pipeline files without connecting to anything.';
  static override description = `Checks each pipeline's YAML, wiring, plugin names and every step's config against its plugin's schema, and lists environment variables that are referenced but unset.
Without arguments, checks every pipeline in the project's pipelines folder. Exits 0 when all are valid, ${ExitCode.config} otherwise.`;

  static override examples = [
    { description: 'Check every pipeline in the pipelines folder', command: '<%= config.bin %> validate' },
    { description: 'Check some files, as CI does (secrets are not set there)', command: '<%= config.bin %> validate pipelines/*.yaml --allow-unset-env' },
    { description: 'Machine-readable result', command: '<%= config.bin %> validate babynames --json' },
  ];

  static override strict = false;
  static override args = {
    files: Args.string({ description: 'Pipeline names or files (default: every pipeline in the pipelines folder).' }),
  };

  static override flags = {
    ...jsonFlag,
    'allow-unset-env': Flags.boolean({
      description: 'Do not count unset environment variables as problems (for CI, where secrets are absent on purpose); they are still listed.',
      default: false,
    }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Validate);
    this.jsonOutput = flags.json;
    this.debugOutput = flags.debug;
    const project = await this.project();
    const files = argv.length > 0 ? (argv as string[]) : await listPipelineFiles(project);
    if (files.length === 0) {
      throw new ConfigError(`No pipelines found in ${relative(process.cwd(), project.pipelinesDir) || '.'}.`, [], {
        code: 'NO_PIPELINES',
        suggestions: ['Add a pipeline file (see docs/pipeline-format.md), or name the files to check.'],
      });
    }

    const results: FileResult[] = [];
    for (const file of files) results.push(await validateOne(file, flags['allow-unset-env']));

    const invalid = results.filter((r) => !r.valid).length;
    if (flags.json) {
      this.print(
        JSON.stringify(
          {
            valid: results.length - invalid,
            invalid,
            pipelines: results.map((r) => ({ ...r, file: shown(r.file), issues: r.issues.map((i) => ({ ...i, text: formatIssue(i) })) })),
          },
          null,
          2,
        ),
      );
    } else {
      for (const r of results) {
        if (r.valid) this.print(`✓ ${shown(r.file)}`);
        else {
          this.print(`✗ ${shown(r.file)}`);
          for (const issue of r.issues) this.print(`  ${formatIssue(issue)}`);
        }
        if (r.unsetEnv.length > 0) this.print(`  Unset environment variables: ${r.unsetEnv.join(', ')} (set them in the environment or .env before running).`);
      }
      const n = results.length;
      this.print('');
      this.print(invalid === 0 ? `${n} pipeline${n === 1 ? '' : 's'} valid` : `${invalid} of ${n} pipeline${n === 1 ? '' : 's'} invalid`);
    }
    if (invalid > 0) this.exit(ExitCode.config);
  }
}

const shown = (file: string): string => {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
};

/** Every problem of one file; errors thrown while preparing it (a missing file) count as its issues. */
async function validateOne(nameOrFile: string, allowUnsetEnv: boolean): Promise<FileResult> {
  try {
    const prepared = await preparePipeline(nameOrFile, { cwd: process.cwd(), extraSearchPaths: [cliPackageDir], allowUnsetEnv });
    const file = prepared.pipeline?.file ?? prepared.issues[0]?.file ?? nameOrFile;
    return { file, valid: prepared.issues.length === 0, issues: prepared.issues, unsetEnv: prepared.unsetEnv };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const hint = error.suggestions.length > 0 ? error.suggestions.join(' ') : undefined;
    const issues = error.issues.length > 0 ? error.issues : [{ file: nameOrFile, line: 0, col: 0, path: '', message: error.message, ...(hint ? { hint } : {}) }];
    return { file: issues[0].file || nameOrFile, valid: false, issues, unsetEnv: [] };
  }
}

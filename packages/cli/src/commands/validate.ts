import { relative } from 'node:path';
import { Args, Flags } from '@oclif/core';
import {
  ConfigError,
  ExitCode,
  formatIssue,
  listPipelineFiles,
  preparePipeline,
  sortIssues,
  type ConfigIssue,
  type PrepareOptions,
} from '@etl/core';
import { cliPackageDir, EtlCommand } from '../base-command.js';
import { shippedPlugins } from '../shipped-plugins.js';

interface FileResult {
  file: string;
  valid: boolean;
  issues: ConfigIssue[];
  warnings: ConfigIssue[];
  unsetEnv: string[];
  /** Steps whose plugin was not imported (--schemas-only). */
  notImported: Array<{ step: string; use: string }>;
}

/** What `--json` prints. */
interface ValidateResult {
  valid: number;
  invalid: number;
  pluginCode: 'imported' | 'not imported';
  pipelines: Array<Omit<FileResult, 'issues' | 'warnings'> & { issues: IssueWithText[]; warnings: IssueWithText[] }>;
}

type IssueWithText = ConfigIssue & { text: string };

export default class Validate extends EtlCommand {
  static override summary = 'Check pipeline files without connecting to anything.';
  static override description =
    `Checks each pipeline's YAML, wiring, plugin names and every step's config against its plugin's schema, and lists environment variables that are referenced but unset.
A linter runs where secrets are not (CI, editors, a reviewer's laptop), so an unset variable without a default is a warning, at its file:line:col; --strict makes it an error, as it is for \`etl run\` and \`etl check\`.
Checking a step's config imports its plugin's code (a \`use:\` package or file), as \`etl run\` would; --schemas-only imports none: it checks the YAML, wiring and the built-in transforms and lists the steps whose config it did not check (for CI on branches whose code is not trusted; docs/security.md).
Without arguments, checks every pipeline in the project's pipelines folder. Exits 0 when all are valid, ${ExitCode.config} otherwise.`;

  static override examples = [
    { description: 'Check every pipeline in the pipelines folder', command: '<%= config.bin %> validate' },
    {
      description: 'Check some files; unset variables are warnings',
      command: '<%= config.bin %> validate pipelines/*.yaml',
    },
    {
      description: 'Also require every referenced variable to be set, as `etl run` does',
      command: '<%= config.bin %> validate babynames --strict',
    },
    { description: 'Machine-readable result', command: '<%= config.bin %> validate babynames --json' },
    {
      description: 'Check without importing any plugin code (CI on untrusted branches)',
      command: '<%= config.bin %> validate --schemas-only',
    },
  ];

  static override enableJsonFlag = true;
  static override strict = false;
  static override args = {
    files: Args.string({ description: 'Pipeline names or files (default: every pipeline in the pipelines folder).' }),
  };

  static override flags = {
    strict: Flags.boolean({
      description:
        'Count unset environment variables (without a default) as problems, as `etl run` does; without it they are warnings.',
      default: false,
    }),
    'schemas-only': Flags.boolean({
      description:
        'Import no plugin code: check the YAML, wiring and built-in transforms only; step configs of other plugins are not checked.',
      default: false,
    }),
    // Unset variables are warnings by default now; kept so CI scripts written for the old default keep working.
    'allow-unset-env': Flags.boolean({ hidden: true, default: false }),
  };

  async run(): Promise<ValidateResult> {
    const { argv, flags } = await this.parse(Validate);
    const project = await this.project();
    const files = argv.length > 0 ? (argv as string[]) : await listPipelineFiles(project);
    if (files.length === 0) {
      throw new ConfigError(`No pipelines found in ${relative(process.cwd(), project.pipelinesDir) || '.'}.`, [], {
        code: 'NO_PIPELINES',
        suggestions: ['Add a pipeline file (see docs/pipeline-format.md), or name the files to check.'],
      });
    }

    const results: FileResult[] = [];
    const importPlugins = !flags['schemas-only'];
    const bundled = shippedPlugins();
    for (const file of files)
      results.push(await validateOne(file, { allowUnsetEnv: !flags.strict, importPlugins, bundled }));

    const invalid = results.filter((r) => !r.valid).length;
    const result: ValidateResult = {
      valid: results.length - invalid,
      invalid,
      pluginCode: importPlugins ? 'imported' : 'not imported',
      pipelines: results.map((r) => ({
        ...r,
        file: shown(r.file),
        issues: withText(r.issues),
        warnings: withText(r.warnings),
      })),
    };
    if (!this.jsonEnabled()) this.printReport(results, importPlugins);
    return this.finish(result, invalid > 0 ? ExitCode.config : ExitCode.ok);
  }

  /** The text report: each file with its problems and warnings, then the totals and whether plugin code ran. */
  private printReport(results: FileResult[], importPlugins: boolean): void {
    const invalid = results.filter((r) => !r.valid).length;
    for (const r of results) {
      this.print(`${r.valid ? '✓' : '✗'} ${shown(r.file)}`);
      for (const issue of sortIssues([...r.issues, ...r.warnings])) this.print(`  ${formatIssue(issue)}`);
      if (r.unsetEnv.length > 0)
        this.print(
          `  Unset environment variables: ${r.unsetEnv.join(', ')} (set them in the environment or .env before running).`,
        );
      if (r.notImported.length > 0)
        this.print(
          `  Not checked (plugin not imported): ${r.notImported.map((n) => `${n.step} (use: ${n.use})`).join(', ')}`,
        );
    }
    const n = results.length;
    const warnings = results.reduce((sum, r) => sum + r.warnings.length, 0);
    const warned = warnings > 0 ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : '';
    this.print('');
    this.print(
      invalid === 0
        ? `${n} pipeline${n === 1 ? '' : 's'} valid${warned}`
        : `${invalid} of ${n} pipeline${n === 1 ? '' : 's'} invalid${warned}`,
    );
    // Said every time: whoever runs this in CI must know whether the branch's plugin code ran.
    this.print(
      importPlugins
        ? 'Plugin code was imported to check step configs (--schemas-only imports none).'
        : 'Schemas only: no plugin code was imported; the configs of steps listed as not checked were not validated.',
    );
  }
}

const withText = (issues: ConfigIssue[]): IssueWithText[] =>
  issues.map((issue) => ({ ...issue, text: formatIssue(issue) }));

const shown = (file: string): string => {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
};

/**
 * Every problem of one file; errors thrown while preparing it (a missing file) count as its issues. `allowUnsetEnv`
 * turns unset variables into warnings; `bundled` are the shipped plugins (imported from the CLI's bundle when it runs
 * from one).
 */
async function validateOne(
  nameOrFile: string,
  options: Pick<PrepareOptions, 'allowUnsetEnv' | 'importPlugins' | 'bundled'>,
): Promise<FileResult> {
  try {
    const prepared = await preparePipeline(nameOrFile, {
      cwd: process.cwd(),
      extraSearchPaths: [cliPackageDir],
      ...options,
    });
    const file = prepared.pipeline?.file ?? prepared.issues[0]?.file ?? nameOrFile;
    const { issues, warnings, unsetEnv, notImported } = prepared;
    return { file, valid: issues.length === 0, issues, warnings, unsetEnv, notImported };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const hint = error.suggestions.length > 0 ? error.suggestions.join(' ') : undefined;
    const issues =
      error.issues.length > 0
        ? error.issues
        : [{ file: nameOrFile, line: 0, col: 0, path: '', message: error.message, ...(hint ? { hint } : {}) }];
    return { file: issues[0].file || nameOrFile, valid: false, issues, warnings: [], unsetEnv: [], notImported: [] };
  }
}

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import {
  addPrecompiledValidators,
  EtlError,
  ExitCode,
  builtinTransforms,
  createPluginResolver,
  loadDotenv,
  loadProjectConfig,
  projectPluginRoots,
  type PluginResolver,
  type ProjectConfig,
} from '@etl/core';
import { debugEnabled, renderError } from './render-error.js';
import { addEnvSecrets, redact } from './secrets.js';

/** The CLI package's folder: plugins installed alongside the CLI are found from here. */
export const cliPackageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Validators generated at build time for the config schemas of the plugins the CLI ships with (scripts/precompile.js). */
const precompiledValidators = resolve(cliPackageDir, 'dist', 'precompiled');

/**
 * Flags that several commands share, declared once; a command spreads the ones it takes. `--json` is not here: a
 * command whose output is data sets oclif's `static enableJsonFlag = true` and returns its result (see `EtlCommand`).
 */
export const sharedFlags = {
  profile: Flags.string({ char: 'p', description: 'Apply this profile from the pipeline file.' }),
  set: Flags.string({
    description: 'Override a value: a dotted path = a YAML value, e.g. steps.hubspot.config.limit=10. Repeatable.',
    multiple: true,
  }),
  'log-format': Flags.option({
    options: ['pretty', 'json'] as const,
    default: 'pretty',
    description: 'Format of log lines on stderr.',
  })(),
  'log-level': Flags.option({
    options: ['debug', 'info', 'warn', 'error'] as const,
    default: 'info',
    description: 'Least severe log level shown on stderr.',
  })(),
};

// oclif does not export FlagOutput/ArgOutput, the bounds of `parse`; this is the same `{ [name: string]: any }`.
type Output = Interfaces.OutputFlags<any>;

/**
 * What every etl command shares: `--debug` (the base flag), `--json` through oclif's `enableJsonFlag` (oclif prints
 * what `run()` returns with `logJson`, `catch` prints errors the same way), secret-safe printing, the project
 * context, and `catch()` as the one place errors are rendered (`renderError`) and turned into the exit code.
 */
export abstract class EtlCommand extends Command {
  static override baseFlags = {
    debug: Flags.boolean({ description: 'Show stack traces (also ETL_DEBUG=1).', default: false, helpGroup: 'GLOBAL' }),
  };

  /** `--json` output on one line, for commands read line by line (`run`, `sandbox`); otherwise indented. */
  static jsonOnOneLine = false;

  /** `--debug`, noted when the command parses its flags. */
  protected debugOutput = false;

  // Every command that checks a step's config finds the shipped plugins' validators ready.
  override async init(): Promise<void> {
    await super.init();
    addPrecompiledValidators(precompiledValidators);
  }

  // Notes `--debug` for `catch`, once for every command.
  protected override async parse<F extends Output, B extends Output, A extends Output>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv);
    this.debugOutput = parsed.flags.debug === true;
    return parsed;
  }

  /** How oclif prints a result (and `catch` an error) with `--json`: secrets masked, no colours. */
  protected override logJson(json: unknown): void {
    const oneLine = (this.constructor as typeof EtlCommand).jsonOnOneLine;
    this.print(oneLine ? JSON.stringify(json) : JSON.stringify(json, null, 2));
  }

  /**
   * Returns `result` for oclif to print with `--json`, or, when `code` is not 0, prints it first and exits with
   * `code` (oclif prints a returned result only when `run()` returns). Text output is printed by the command.
   */
  protected finish<T>(result: T, code: number = ExitCode.ok): T {
    if (code === ExitCode.ok) return result;
    if (this.jsonEnabled()) this.logJson(result);
    return this.exit(code);
  }

  /** Prints to stdout with secrets masked. */
  protected print(text: string): void {
    process.stdout.write(`${redact(text)}\n`);
  }

  /** Prints to stderr with secrets masked. */
  protected printErr(text: string): void {
    process.stderr.write(`${redact(text)}\n`);
  }

  /** Reads `.env` from the working folder (set variables win) and the project config, and notes secret env values. */
  protected async project(): Promise<ProjectConfig> {
    const cwd = process.cwd();
    await loadDotenv(cwd);
    addEnvSecrets();
    return loadProjectConfig(cwd);
  }

  /** Folders plugins are looked up in besides the pipeline's: the project's, then the CLI's own install. */
  protected searchPaths(project: ProjectConfig): string[] {
    return [...project.pluginPaths, project.root, cliPackageDir];
  }

  protected resolver(project: ProjectConfig): PluginResolver {
    return createPluginResolver({
      searchPaths: this.searchPaths(project),
      builtins: builtinTransforms,
      pathRoots: projectPluginRoots(project),
      installRoots: [cliPackageDir],
    });
  }

  protected override async catch(error: Error): Promise<unknown> {
    // `this.exit()` and oclif's own usage errors (exit 2, printed with help) keep oclif's handling.
    if (error instanceof Errors.ExitError) throw error;
    if (error instanceof Errors.CLIError && !(error instanceof EtlError)) throw error;
    const rendered = renderError(error, { debug: this.debugOutput || debugEnabled() });
    if (this.jsonEnabled()) this.logJson(rendered.json);
    else process.stderr.write(`${rendered.text}\n`);
    return this.exit(rendered.exitCode);
  }
}

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Errors, Flags } from '@oclif/core';
import {
  EtlError,
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

/** `--json` for commands whose output is data. */
export const jsonFlag = {
  json: Flags.boolean({ description: 'Print the result as JSON on stdout (errors too).', default: false }),
};

/**
 * What every etl command shares: `--debug`, secret-safe printing, the project context, and `catch()` as the one place
 * errors are rendered (`renderError`) and turned into the exit code.
 */
export abstract class EtlCommand extends Command {
  static override baseFlags = {
    debug: Flags.boolean({ description: 'Show stack traces (also ETL_DEBUG=1).', default: false, helpGroup: 'GLOBAL' }),
  };

  /** Set by commands that parsed `--json`, so errors are printed as JSON too. */
  protected jsonOutput = false;
  protected debugOutput = false;

  /** Prints to stdout with secrets masked. */
  protected print(text: string): void {
    process.stdout.write(`${redact(text)}\n`);
  }

  /** Prints to stderr with secrets masked. */
  protected printErr(text: string): void {
    process.stderr.write(`${redact(text)}\n`);
  }

  protected printJson(value: unknown): void {
    this.print(JSON.stringify(value, null, 2));
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
    if (this.jsonOutput) this.print(JSON.stringify(rendered.json, null, 2));
    else process.stderr.write(`${rendered.text}\n`);
    return this.exit(rendered.exitCode);
  }
}

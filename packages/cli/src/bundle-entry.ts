/**
 * The entry of the CLI's bundle (scripts/bundle.js), which `bin/run.js` runs for `etl validate` when the build made
 * one and it is current: oclif, the command, `@etl/core`, yaml and the shipped plugins' entries in a few files, so
 * Node resolves and reads a handful of modules instead of about 400 (half of `etl validate`'s start-up).
 */
import { Config, execute, type Plugin } from '@oclif/core';

/** Runs `argv` as `execute` does, with the command `id` loaded from the bundle's own `file` (beside this one). */
export async function runBundled(root: string, argv: string[], id: string, file: string): Promise<unknown> {
  const config = await Config.load(root);
  const command = (config.plugins.get(config.pjson.name) as Plugin | undefined)?.manifest.commands[id];
  // oclif imports a command from the file its manifest names: this one shares the bundle's oclif.
  if (command) command.relativePath = ['dist', 'bundle', file];
  return execute({ args: argv, loadOptions: config });
}

/**
 * The entry of the CLI's bundle (scripts/bundle.js), which `bin/run.js` runs for `etl validate` when the build made
 * one and it is current: oclif, the command, `@etl/core`, yaml and the shipped plugins' entries in a few files, so
 * Node resolves and reads a handful of modules instead of about 400 (half of `etl validate`'s start-up).
 */
import { loadValidatorsWith } from '@etl/core';
import { type Command, Config, execute, type Plugin } from '@oclif/core';
import Validate from './commands/validate.js';

/** The commands the bundle carries, by id. */
const bundled: Record<string, Command.Class> = { validate: Validate };

/**
 * Runs `argv` as `execute` does, with the command `id` taken from the bundle rather than imported by oclif, and core's
 * generated validators loaded by `loadFile` (bin/load-bundle.js: through V8's code cache, as the bundle is).
 */
export async function runBundled(
  root: string,
  argv: string[],
  id: string,
  loadFile: (file: string) => unknown,
): Promise<unknown> {
  loadValidatorsWith(loadFile);
  const config = await Config.load(root);
  const plugin = config.plugins.get(config.pjson.name) as Plugin | undefined;
  const command = bundled[id];
  if (plugin && command) {
    // oclif would import the command's own file, with its own oclif: this one shares the bundle's. The fields are
    // those oclif's `findCommand` sets on a command it imported.
    const find = plugin.findCommand.bind(plugin);
    const fields = { id, plugin, isESM: true, relativePath: ['dist', 'commands', `${id}.js`] };
    plugin.findCommand = (async (wanted, options) =>
      wanted === id ? Object.assign(command, fields) : find(wanted, options)) as Plugin['findCommand'];
  }
  return execute({ args: argv, loadOptions: config });
}

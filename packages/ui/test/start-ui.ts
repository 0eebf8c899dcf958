/** `etl ui --port 0` as a real CLI process, for the tests that talk to it over HTTP. */
import { type ChildProcess, spawn } from 'node:child_process';
import { cliBin } from '../../../test/helpers/paths.js';

/**
 * Starts `etl ui` in `cwd`: the process at once (so a test can stop it whatever happens), and the address it prints
 * (rejected if it exits first).
 */
export function startUi(cwd: string, env: NodeJS.ProcessEnv): { ui: ChildProcess; url: Promise<string> } {
  const ui = spawn(process.execPath, [cliBin, 'ui', '--port', '0'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /Dashboard: (http:\/\/\S+)/.exec(output);
      if (found) resolve(found[1]!);
    };
    ui.stdout!.on('data', read);
    ui.stderr!.on('data', read);
    ui.once('exit', (code) => reject(new Error(`etl ui exited with ${code}: ${output}`)));
  });
  return { ui, url };
}

import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { cliPackageDir, EtlCommand } from '../base-command.js';
import { loadQueue } from '../queue.js';
import { addSecrets, redact } from '../secrets.js';
import { openStateStore, runHistoryOf, stateUrlOf } from '../state-store.js';

export default class Ui extends EtlCommand {
  static override summary = 'Serve a dashboard of the runs: live progress, rejects, logs; start and stop runs.';
  static override description =
    `Serves a web page over the run history, as \`etl runs\` lists it: every run with its status, host and counts, a run's per-step counts, throughput, rejects, log tail and error, and live progress of running runs. With a shared state store (ETL_STATE_URL) it shows every host's runs live; a run's log and rejects stay in its folder on the host that ran it.
Runs started from the page are \`etl run <pipeline> --profile P\` child processes of this server, stopped like Ctrl-C (they checkpoint and exit 130); with REDIS_URL set they go onto the queue for \`etl worker\` instead.
It listens on 127.0.0.1 by default. On any other address it requires ETL_UI_TOKEN (at least 16 characters): open the page once with ?token=<it>.`;

  static override examples = [
    { description: 'On http://127.0.0.1:4310/', command: '<%= config.bin %> ui' },
    {
      description: 'Reachable from other machines, with a token',
      command: 'ETL_UI_TOKEN=$(openssl rand -hex 24) <%= config.bin %> ui --host 0.0.0.0 --port 8080',
    },
  ];

  static override flags = {
    port: Flags.integer({ description: 'Port to listen on (0: any free one).', default: 4310, min: 0, max: 65535 }),
    host: Flags.string({ description: 'Address to listen on; not loopback needs ETL_UI_TOKEN.', default: '127.0.0.1' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Ui);
    const project = await this.project();
    const token = process.env.ETL_UI_TOKEN || undefined;
    addSecrets([token]);
    // Fastify loads only when asked for: oclif imports every command to list them.
    const { startUiServer, spawnLauncher, queueLauncher } = await import('@etl/ui');
    const launcher = process.env.REDIS_URL
      ? queueLauncher(async ({ pipeline, profile }) => {
          const { RunQueue, redisTarget } = await loadQueue();
          const queue = await new RunQueue(redisTarget()).ready();
          try {
            return { jobId: String((await queue.enqueue({ pipeline, profile })).id) };
          } finally {
            await queue.close();
          }
        })
      : spawnLauncher({ cliBin: join(cliPackageDir, 'bin', 'run.js'), cwd: process.cwd() });
    // The same history as `etl runs`: with a shared store, every host's runs and their live progress.
    const shared = await openStateStore(stateUrlOf(project));
    const server = await startUiServer({
      stateDir: project.stateDir,
      history: runHistoryOf(project.stateDir, shared),
      pipelinesDir: project.pipelinesDir,
      launcher,
      host: flags.host,
      port: flags.port,
      token,
      redact,
    }).catch(async (error: unknown) => {
      await shared?.close();
      throw error;
    });
    this.print(`Dashboard: ${server.url}${token ? ' (open it with ?token=<ETL_UI_TOKEN> once)' : ''}`);
    this.print('Ctrl-C stops it (and asks runs it started to checkpoint and stop).');
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    await shared?.close();
  }
}

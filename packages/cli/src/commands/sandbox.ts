import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { ConfigError } from '@etl/core';
import { EtlCommand } from '../base-command.js';
import { wireSignals } from '../signals.js';

export default class Sandbox extends EtlCommand {
  static override summary = 'Start the local stand-ins of Kaggle, HubSpot and Pipedrive and keep them running.';
  static override description =
    `Serves a Kaggle-like site and API (login, dataset download), a HubSpot CRM v3 API (contacts, properties, rate limits) and a Pipedrive API v2 (persons, person fields, burst limits, daily token budget) on this machine, for trying pipelines offline.
Prints the base URLs and the credentials they accept (one JSON line with --json), then runs until Ctrl-C or SIGTERM.
Put the printed variables in .env (or use \`etl run --sandbox\`, which starts its own).`;

  static override examples = [
    { description: 'Start with the small built-in sample dataset', command: '<%= config.bin %> sandbox' },
    {
      description: 'Serve the full dataset on fixed ports',
      command: '<%= config.bin %> sandbox --dataset data/us-baby-names.zip --kaggle-port 8081 --hubspot-port 8082',
    },
    {
      description: 'A tighter HubSpot rate limit, as one JSON line',
      command: '<%= config.bin %> sandbox --rate 10/1s --json',
    },
  ];

  // One line, printed before the stand-ins run until Ctrl-C: scripts read it as soon as it is there (errors too).
  static override enableJsonFlag = true;
  static override jsonOnOneLine = true;

  static override flags = {
    dataset: Flags.string({
      description: 'The dataset zip to serve (default: ETL_SANDBOX_DATASET, else the small sample).',
    }),
    'kaggle-port': Flags.integer({
      description: 'Port of the Kaggle stand-in (default: a free one).',
      min: 0,
      max: 65535,
    }),
    'hubspot-port': Flags.integer({
      description: 'Port of the HubSpot stand-in (default: a free one).',
      min: 0,
      max: 65535,
    }),
    'pipedrive-port': Flags.integer({
      description: 'Port of the Pipedrive stand-in (default: a free one).',
      min: 0,
      max: 65535,
    }),
    'pipedrive-daily-tokens': Flags.integer({
      description: "Daily token budget of the Pipedrive stand-in (default: the Advanced plan's, 60000).",
      min: 1,
    }),
    'state-dir': Flags.string({
      description: 'Where HubSpot contacts and Pipedrive persons persist between starts (default: .etl/sandbox).',
    }),
    rate: Flags.string({ description: 'HubSpot burst limit as max/interval, e.g. "100/10s".', default: '100/10s' }),
    host: Flags.string({ description: 'Interface to listen on.', default: '127.0.0.1' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Sandbox);
    const json = this.jsonEnabled();
    if (!/^\d+\/\d+(ms|s|m|h)?$/.test(flags.rate)) {
      throw new ConfigError(`--rate "${flags.rate}" is not a rate.`, [], {
        code: 'USAGE_RATE',
        suggestions: ['Write it as max/interval, e.g. --rate 100/10s.'],
      });
    }
    const project = await this.project();
    const dataset = flags.dataset ?? (process.env.ETL_SANDBOX_DATASET || undefined);
    const sandbox = await (await import('../sandbox.js')).startStandaloneSandbox({
      dataset: dataset ? resolve(dataset) : undefined,
      kagglePort: flags['kaggle-port'] ?? 0,
      hubspotPort: flags['hubspot-port'] ?? 0,
      pipedrivePort: flags['pipedrive-port'] ?? 0,
      pipedriveDailyTokens: flags['pipedrive-daily-tokens'],
      stateDir: resolve(flags['state-dir'] ?? `${project.stateDir}/sandbox`),
      rate: flags.rate,
      host: flags.host,
    });
    // Printed on purpose: these are the sandbox's own throwaway credentials, not real ones.
    const info = {
      kaggle: {
        baseUrl: sandbox.kaggle.baseUrl,
        dataset: sandbox.kaggle.datasetRef,
        credentials: sandbox.kaggle.credentials,
      },
      hubspot: { baseUrl: sandbox.hubspot.baseUrl, token: sandbox.hubspot.token, portalId: sandbox.hubspot.portalId },
      pipedrive: {
        baseUrl: sandbox.pipedrive.baseUrl,
        apiToken: sandbox.pipedrive.token,
        oauthToken: sandbox.pipedrive.oauthToken,
        companyId: sandbox.pipedrive.companyId,
        dailyTokens: sandbox.pipedrive.stats().dailyTokens,
      },
      env: sandbox.env,
    };
    // Unmasked, like the text below: once these are in .env they count as secrets, and `logJson` would mask them.
    if (json) process.stdout.write(`${JSON.stringify(info)}\n`);
    else {
      process.stdout.write(
        [
          `Kaggle stand-in:  ${info.kaggle.baseUrl}  (dataset ${info.kaggle.dataset})`,
          `  login ${info.kaggle.credentials.email} / ${info.kaggle.credentials.password}; API ${info.kaggle.credentials.username} / ${info.kaggle.credentials.key}`,
          `HubSpot stand-in: ${info.hubspot.baseUrl}  (portal ${info.hubspot.portalId}, token ${info.hubspot.token}, rate ${flags.rate})`,
          `Pipedrive stand-in: ${info.pipedrive.baseUrl}  (API v2 under /api/v2, company ${info.pipedrive.companyId}, ${info.pipedrive.dailyTokens} tokens a day)`,
          `  x-api-token ${info.pipedrive.apiToken}; OAuth bearer ${info.pipedrive.oauthToken}; next day: POST ${info.pipedrive.baseUrl}/__sandbox/advance-day`,
          '',
          'Environment for pipelines (.env):',
          ...Object.entries(sandbox.env).map(([k, v]) => `${k}=${v}`),
          '',
          'Press Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
    }
    const signals = wireSignals();
    await new Promise<void>((done) => signals.signal.addEventListener('abort', () => done(), { once: true }));
    signals.dispose();
    await sandbox.close();
    if (!json) process.stderr.write('Sandbox stopped.\n');
  }
}

import { Args } from '@oclif/core';
import { checkPipeline, createLogger, ExitCode, type StepCheckResult } from '@etl/core';
import { cliPackageDir, EtlCommand, sharedFlags } from '../base-command.js';
import { loadRunnablePipeline } from '../pipeline.js';
import { openStateStore, stateUrlOf } from '../state-store.js';
import { wireSignals } from '../signals.js';

interface CheckResult {
  pipeline: string;
  ok: boolean;
  steps: StepCheckResult[];
}

export default class Check extends EtlCommand {
  static override summary = "Test each step's connections and credentials without moving data.";
  static override description =
    `Calls every plugin's check(): logs in, reaches the API or database, reports versions and rate limits seen. Steps whose plugin has no check are listed as skipped.
Exits ${ExitCode.checkFailed} when any check failed.`;

  static override examples = [
    {
      description: 'Check the babynames pipeline with the settings of its demo profile',
      command: '<%= config.bin %> check babynames --profile demo',
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    pipeline: Args.string({ description: 'Pipeline name or file.', required: true }),
  };

  static override flags = {
    profile: sharedFlags.profile,
    set: sharedFlags.set,
  };

  async run(): Promise<CheckResult> {
    const { args, flags } = await this.parse(Check);
    const project = await this.project();
    const { pipeline } = await loadRunnablePipeline(args.pipeline, {
      profile: flags.profile,
      sets: flags.set,
      extraSearchPaths: [cliPackageDir],
    });
    const logger = createLogger({ format: 'pretty', level: 'warn', stream: process.stderr, secrets: pipeline.secrets });
    const signals = wireSignals();
    let rows: StepCheckResult[];
    try {
      // `check` reads what runs left (a ledger's size): from the shared store when one is set.
      const stateStore = await openStateStore(stateUrlOf(project));
      try {
        rows = await checkPipeline(pipeline, {
          stateDir: project.stateDir,
          stateStore,
          logger,
          signal: signals.signal,
        });
      } finally {
        await stateStore?.close();
      }
    } finally {
      signals.dispose();
    }
    const failed = rows.filter((r) => r.ok === false);
    if (!this.jsonEnabled()) {
      for (const r of rows) this.print(`${r.skipped ? '-' : r.ok ? '✓' : '✗'} ${r.step} (${r.plugin}): ${r.message}`);
      this.print('');
      this.print(
        failed.length === 0 ? 'All checks passed.' : `${failed.length} check${failed.length === 1 ? '' : 's'} failed.`,
      );
    }
    const result = { pipeline: pipeline.name, ok: failed.length === 0, steps: rows };
    return this.finish(result, failed.length > 0 ? ExitCode.checkFailed : ExitCode.ok);
  }
}

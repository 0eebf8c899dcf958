import { join } from 'node:path';
import { Args, Flags } from '@oclif/core';
import {
  createLogger,
  ExitCode,
  pipelineStateDir,
  readUpToDate,
  runPipeline,
  upToDateMessage,
  type RunSummary,
} from '@etl/core';
import { cliPackageDir, EtlCommand, sharedFlags } from '../base-command.js';
import { exitCodeFor, rejectedCount } from '../exit-code.js';
import { sizeYoungGeneration } from '../heap.js';
import { openLimiterStores } from '../limiter-stores.js';
import { lingerFlag, metricsFlags } from '../metrics/flags.js';
import { startRunMetrics, type RunMetricsHandle } from '../metrics/start.js';
import { openStateStore, stateUrlOf } from '../state-store.js';
import { loadRunnablePipeline } from '../pipeline.js';
import { renderSummaryError } from '../render-error.js';
import { ProgressLine } from '../render/progress.js';
import { renderSummary } from '../render/summary.js';
import { wireSignals } from '../signals.js';

export default class Run extends EtlCommand {
  static override summary = 'Run a pipeline.';
  static override description =
    `Loads .env from the working folder, checks the pipeline, then streams records from its source through its transforms into its sinks.
A run stopped by Ctrl-C (or SIGTERM) flushes, checkpoints and exits with 130 (143); running the same command again resumes where it stopped. A second Ctrl-C exits at once.
A run resumes an interrupted one only when its input, pipeline, settings.batchSize and destinations are unchanged; otherwise it starts over from the beginning and says why (what the sinks already hold comes back unchanged).
Sinks keep what they know of a destination (a ledger) per destination: a new HubSpot portal or database gets every record.
When the source's input, the pipeline and the destinations are unchanged since the last succeeded run, the run ends at once and says "nothing to do" (--fresh or --reconcile runs anyway).
Progress is shown on a terminal; the summary is a table, or one JSON object with --json.`;

  static override examples = [
    {
      description: 'Run pipelines/babynames.yaml with the demo profile',
      command: '<%= config.bin %> run babynames --profile demo',
    },
    {
      description: 'Offline, against the built-in stand-ins of Kaggle and HubSpot',
      command: '<%= config.bin %> run babynames --profile demo --sandbox',
    },
    {
      description: 'Override a value and leave a step out',
      command: '<%= config.bin %> run babynames --set steps.hubspot.config.limit=10 --skip mysql',
    },
    {
      description: 'Read and plan without writing anything; print the summary as JSON',
      command: '<%= config.bin %> run babynames --dry-run --json',
    },
    {
      description: 'Start over instead of resuming an interrupted run, even when nothing changed',
      command: '<%= config.bin %> run babynames --fresh',
    },
    {
      description: 'Check what HubSpot holds against the ledger and re-send what was deleted or changed there',
      command: '<%= config.bin %> run babynames --profile demo --reconcile',
    },
  ];

  static override enableJsonFlag = true;
  // One line: log shippers and scripts read the summary line by line.
  static override jsonOnOneLine = true;

  static override args = {
    pipeline: Args.string({
      description: 'Pipeline name (pipelines/<name>.yaml) or path to a pipeline file.',
      required: true,
    }),
  };

  static override flags = {
    profile: sharedFlags.profile,
    set: sharedFlags.set,
    skip: Flags.string({
      description: 'Leave this step (and steps that read only from it) out. Repeatable.',
      multiple: true,
    }),
    'dry-run': Flags.boolean({
      description: 'Read and plan, write nothing anywhere, commit no checkpoint.',
      default: false,
    }),
    fresh: Flags.boolean({
      description:
        "Start a new lineage from the beginning: ignore the last checkpoint, empty the sinks' ledgers, and run even when nothing changed. A download cache proven current is kept (Kaggle: the same dataset version as Kaggle reports now, and the archive's size and MD5 as downloaded); set `refresh: true` on the source to download again. A fresh run that is interrupted stays fresh when resumed.",
      default: false,
    }),
    reconcile: Flags.boolean({
      description:
        'Before writing, have sinks that can read back (hubspot) compare their ledger with the destination, and re-send what is missing or different there. Runs even when nothing changed.',
      default: false,
    }),
    'log-format': sharedFlags['log-format'],
    'log-level': sharedFlags['log-level'],
    sandbox: Flags.boolean({
      description:
        'Start the local Kaggle and HubSpot stand-ins on free ports and point the pipeline at them (ETL_SANDBOX_DATASET picks the dataset zip).',
      default: false,
    }),
    'fail-on-rejects': Flags.boolean({
      description: `Exit with ${ExitCode.rejects} when any record was rejected.`,
      default: false,
    }),
    ...metricsFlags,
    ...lingerFlag,
  };

  async run(): Promise<RunSummary> {
    const { args, flags } = await this.parse(Run);
    const json = this.jsonEnabled();
    const project = await this.project();

    // The stand-ins (fastify and friends) load only when asked for: oclif imports every command to list them.
    const sandbox = flags.sandbox
      ? await (await import('../sandbox.js')).startSandboxForRun(join(project.stateDir, 'sandbox'))
      : undefined;
    const signals = wireSignals((signal) => {
      if (!json)
        process.stderr.write(`\n${signal}: stopping after the current batch (press Ctrl-C again to exit at once)...\n`);
    });
    const progress = process.stderr.isTTY && !json ? new ProgressLine(process.stderr) : undefined;
    const port = flags['metrics-port'];
    let metrics: RunMetricsHandle | undefined;
    let summary: RunSummary;
    let ran = false;
    try {
      if (port !== undefined) metrics = await startRunMetrics(flags['metrics-host'], port, (l) => this.printErr(l));
      const { pipeline } = await loadRunnablePipeline(args.pipeline, {
        profile: flags.profile,
        sets: flags.set,
        skips: flags.skip,
        extraSearchPaths: [cliPackageDir],
      });
      const logger = createLogger({
        format: flags['log-format'],
        level: flags['log-level'],
        stream: progress?.stream ?? process.stderr,
        secrets: pipeline.secrets,
      });
      logger.debug(`young generation: ${sizeYoungGeneration(pipeline)}`);
      const limiters = await openLimiterStores(pipeline);
      const stateStore = await openStateStore(stateUrlOf(project)).catch(async (error: unknown) => {
        await limiters.close();
        throw error;
      });
      progress?.start();
      try {
        summary = await runPipeline(pipeline, {
          limiterStores: limiters.stores,
          stateStore,
          stateDir: project.stateDir,
          dryRun: flags['dry-run'],
          fresh: flags.fresh,
          reconcile: flags.reconcile,
          logger,
          signal: signals.signal,
          onEvent: progress ? (event) => progress.onEvent(event) : undefined,
          ...(metrics ? { observers: [metrics.observer] } : {}),
        });
        ran = true;
      } finally {
        await limiters.close();
        await stateStore?.close();
        progress?.stop();
        await logger.flush?.();
        await logger.close?.();
      }
    } finally {
      await sandbox?.close();
      // Only a run that ran has final values worth waiting for.
      await metrics?.finish(ran ? flags['metrics-linger'] : 0, signals.signal);
      signals.dispose();
    }

    const code = exitCodeFor(summary, signals.exitCode, flags['fail-on-rejects']);
    if (json) return this.finish(summary, code);
    if (summary.upToDate) this.print(await upToDateLine(project.stateDir, summary));
    else this.print(renderSummary(summary));

    if (summary.status === 'failed' && summary.error) this.printErr(`\n${renderSummaryError(summary.error)}`);
    if (summary.status === 'interrupted')
      this.printErr(
        `\n${summary.error?.message ?? 'Stopped; progress was checkpointed. Run the same command again to resume.'}`,
      );
    if (code === ExitCode.rejects)
      this.printErr(`\n${rejectedCount(summary)} records were rejected and --fail-on-rejects was given.`);
    return this.finish(summary, code);
  }
}

/** The runtime's "nothing to do" line, rebuilt from the record it compared with (the summary only says `upToDate`). */
async function upToDateLine(stateDir: string, summary: RunSummary): Promise<string> {
  const record = await readUpToDate(pipelineStateDir(stateDir, summary.pipeline));
  return record
    ? upToDateMessage(record)
    : 'nothing to do: the input and the pipeline are unchanged since the last run; use --fresh to run anyway';
}

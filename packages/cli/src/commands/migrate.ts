import { Args } from '@oclif/core';
import { createLogger, migratePipeline, type StepMigration } from '@etl/core';
import { cliPackageDir, EtlCommand } from '../base-command.js';
import { loadRunnablePipeline } from '../pipeline.js';
import { wireSignals } from '../signals.js';

interface MigrateResult {
  pipeline: string;
  action: 'up' | 'down' | 'status';
  steps: StepMigration[];
}

export default class Migrate extends EtlCommand {
  static override summary = "Apply, revert or list the schema migrations of a pipeline's sinks.";
  static override description =
    `For each sink step whose plugin owns a schema (e.g. mysql), runs its migrations: "up" applies pending ones, "down" reverts the last one, "status" (the default) only reports.
Runs also apply pending migrations themselves; use this to prepare a database ahead of time or to inspect it.`;

  static override examples = [
    { description: 'What is applied and what is pending', command: '<%= config.bin %> migrate babynames' },
    { description: 'Apply pending migrations', command: '<%= config.bin %> migrate babynames up' },
    { description: 'Revert the last migration', command: '<%= config.bin %> migrate babynames down' },
  ];

  static override args = {
    pipeline: Args.string({ description: 'Pipeline name or file.', required: true }),
    action: Args.string({ description: 'What to do.', options: ['up', 'down', 'status'], default: 'status' }),
  };

  static override enableJsonFlag = true;

  async run(): Promise<MigrateResult> {
    const { args } = await this.parse(Migrate);
    const action = args.action as 'up' | 'down' | 'status';
    const project = await this.project();
    const { pipeline } = await loadRunnablePipeline(args.pipeline, { extraSearchPaths: [cliPackageDir] });
    const logger = createLogger({ format: 'pretty', level: 'warn', stream: process.stderr, secrets: pipeline.secrets });
    const signals = wireSignals();
    let reports: StepMigration[];
    try {
      reports = await migratePipeline(pipeline, action, { stateDir: project.stateDir, logger, signal: signals.signal });
    } finally {
      signals.dispose();
    }
    const result = { pipeline: pipeline.name, action, steps: reports };
    if (this.jsonEnabled()) return result;
    if (reports.length === 0) {
      this.print(`No sink of ${pipeline.name} has migrations.`);
      return result;
    }
    for (const { step, plugin, report } of reports) {
      this.print(`${step} (${plugin}):`);
      if (action !== 'status')
        this.print(
          `  ${action === 'up' ? 'applied now' : 'reverted now'}: ${report.ran.length > 0 ? report.ran.join(', ') : 'nothing'}`,
        );
      this.print(`  applied: ${report.applied.length > 0 ? report.applied.join(', ') : 'none'}`);
      this.print(`  pending: ${report.pending.length > 0 ? report.pending.join(', ') : 'none'}`);
    }
    return result;
  }
}

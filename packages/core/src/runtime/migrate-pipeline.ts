import type { ResolvedPipeline, RunOptions } from '../pipeline/types.js';
import type { MigrationReport, SinkPlugin } from '../plugins/types.js';
import { newStats } from './context.js';
import { invoke } from './invoke.js';
import { openStepServices } from './step-services.js';

export interface StepMigration {
  step: string;
  plugin: string;
  report: MigrationReport;
}

/**
 * `etl migrate`: calls `migrate(ctx, config, action)` of every sink that owns a schema, one after the other, and returns
 * what each applied or has pending. Throws the first failure (with its step attached).
 */
export async function migratePipeline(
  pipeline: ResolvedPipeline,
  action: 'up' | 'down' | 'status',
  options: Pick<RunOptions, 'stateDir' | 'logger' | 'signal'>,
): Promise<StepMigration[]> {
  const services = await openStepServices(pipeline, { ...options, purpose: 'migrate' });
  const reports: StepMigration[] = [];
  try {
    for (const step of pipeline.steps) {
      const plugin = step.plugin as SinkPlugin;
      if (step.kind !== 'sink' || typeof plugin.migrate !== 'function') continue;
      const stats = newStats();
      const ctx = services.context(step, stats);
      const report = await invoke({ step: step.name, plugin: step.use, hook: 'migrate' }, stats, () =>
        plugin.migrate!(ctx, step.config, action),
      );
      reports.push({ step: step.name, plugin: step.use, report });
    }
  } finally {
    await services.close();
  }
  return reports;
}

import {
  applyConfigDefaults,
  type DataRecord,
  type LimiterSpec,
  type Plugin,
  type ResolvedPipeline,
  type ResolvedStep,
} from '@etl/core';

/** One step for `resolvedPipeline`: the plugin object and, except for the source, the step it reads from. */
export interface PipelineStepInput {
  plugin: Plugin;
  input?: string;
  config?: DataRecord;
  batchSize?: number;
  limiter?: string;
  retry?: ResolvedStep['retry'];
}

/**
 * Builds a `ResolvedPipeline` from plugin objects, for running the real runtime in tests without YAML. Steps must be
 * given in order (source first). Each step's config gets its plugin's schema defaults, as `etl run` fills them.
 */
export function resolvedPipeline(
  name: string,
  steps: Record<string, PipelineStepInput>,
  extra: { secrets?: string[]; limiters?: Record<string, LimiterSpec> } = {},
): ResolvedPipeline {
  const resolved: ResolvedStep[] = Object.entries(steps).map(([stepName, s]) => ({
    name: stepName,
    kind: s.plugin.kind,
    use: s.plugin.name,
    from: 'test',
    plugin: s.plugin,
    config: applyConfigDefaults(s.plugin.configSchema, s.config ?? {}),
    inputs: s.input ? [s.input] : [],
    ...(s.limiter ? { limiter: s.limiter } : {}),
    ...(s.batchSize ? { batchSize: s.batchSize } : {}),
    ...(s.retry ? { retry: s.retry } : {}),
  }));
  return { name, file: `${name}.yaml`, steps: resolved, limiters: extra.limiters ?? {}, secrets: extra.secrets ?? [] };
}

/**
 * A StepContext for hooks the CLI calls outside a run (`migrate()`), built with the runtime's own
 * `createStepContext` so plugins see the same services as during a run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRetryService,
  createStepContext,
  newRunId,
  newStats,
  pipelineStateDir,
  type JsonValue,
  type Logger,
  type ResolvedPipeline,
  type ResolvedStep,
  type StepContext,
  type StepState,
} from '@etl/core';
import { addSecrets } from './secrets.js';

/** Migrations keep no step state: an in-memory one satisfies the contract without touching checkpoints. */
function memoryState(): StepState {
  const map = new Map<string, JsonValue>();
  return {
    get: <T extends JsonValue>(key: string) => map.get(key) as T | undefined,
    set: (key, value) => void map.set(key, value),
    delete: (key) => void map.delete(key),
    has: (key) => map.has(key),
    get size() {
      return map.size;
    },
    keys: () => map.keys(),
    clear: () => map.clear(),
  };
}

export function commandStepContext(options: { pipeline: ResolvedPipeline; step: ResolvedStep; stateDir: string; logger: Logger; signal: AbortSignal }): StepContext {
  return createStepContext(options.step, {
    pipeline: options.pipeline.name,
    runId: newRunId(),
    logger: options.logger,
    signal: options.signal,
    retry: createRetryService(),
    limiters: new Map(),
    state: memoryState(),
    stateDir: pipelineStateDir(options.stateDir, options.pipeline.name),
    runDir: mkdtempSync(join(tmpdir(), `etl-migrate-${options.pipeline.name}-`)),
    dryRun: false,
    fresh: false,
    stats: newStats(),
    addSecret: (value) => addSecrets([value]),
    onProgress: () => undefined,
  });
}

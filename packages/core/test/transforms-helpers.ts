import type {
  DataRecord,
  JsonValue,
  RecordTransform,
  StepContext,
  StepState,
  TransformOutput,
  TransformPlugin,
} from '@etl/core';
import { applyConfigDefaults, isRejection } from '@etl/core';

/** A StepState over a Map, standing in for the runtime's checkpointed state. */
export function memoryState(initial: Record<string, JsonValue> = {}): StepState & { map: Map<string, JsonValue> } {
  const map = new Map<string, JsonValue>(Object.entries(initial));
  return {
    map,
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

/** The parts of a StepContext transforms use; everything else throws so a test notices an unexpected dependency. */
export function fakeContext(overrides: Partial<StepContext> = {}): StepContext {
  const base: Partial<StepContext> = {
    pipeline: 'test',
    step: 'step',
    runId: 'run-1',
    dryRun: false,
    fresh: false,
    state: memoryState(),
  };
  return new Proxy({ ...base, ...overrides } as StepContext, {
    get(target, prop) {
      if (prop in target) return target[prop as keyof StepContext];
      if (prop === 'then') return undefined;
      throw new Error(`transform used ctx.${String(prop)}, which the fake context does not provide`);
    },
  });
}

/** Builds the record function of a transform with an inline config, its schema defaults applied as `etl run` does. */
export async function build<C>(
  plugin: TransformPlugin<C>,
  config: DataRecord,
  ctx = fakeContext(),
): Promise<RecordTransform> {
  return plugin.create(ctx, applyConfigDefaults(plugin.configSchema, config) as C);
}

export const ref = { seq: 0, index: 0 };

/** Runs records through a transform: what passed, what was filtered, and the reject reasons. */
export function runAll(
  fn: RecordTransform,
  records: DataRecord[],
): { passed: DataRecord[]; filtered: number; rejected: string[] } {
  const passed: DataRecord[] = [];
  const rejected: string[] = [];
  let filtered = 0;
  records.forEach((record, index) => {
    const out: TransformOutput = fn(record, { seq: 0, index });
    if (out === null || out === undefined) filtered++;
    else if (isRejection(out)) rejected.push(out.reason);
    else passed.push(out);
  });
  return { passed, filtered, rejected };
}

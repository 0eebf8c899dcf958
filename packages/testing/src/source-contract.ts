import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyConfigDefaults, type DataRecord, type JsonValue, type SourceBatch, type SourcePlugin } from '@etl/core';
import { configProblems, schemaProblems, shapeProblems } from './schema-checks.js';
import { createTestContext, type TestContextOptions } from './test-context.js';

export interface SourceContractOptions<Config> {
  /**
   * A working config (or a function building one after `setup`). The kit applies the schema's defaults before any
   * hook sees it, as `etl run` does, so fields with a `default` may be left out.
   */
  config: Partial<Config> | (() => Partial<Config>);
  /** What reading should produce. */
  expect?: {
    /** Exact number of records (when all batches are read). */
    records?: number;
    /** At least this many records. @default 1 */
    minRecords?: number;
    /** Fields every record has. */
    fields?: string[];
  };
  /** Stop after this many batches (large sources); resume checks then compare what was read. */
  maxBatches?: number;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  /** Per-test timeout. @default 120000 */
  timeoutMs?: number;
  context?: TestContextOptions;
}

async function readAll<C>(
  plugin: SourcePlugin<C>,
  config: C,
  from: JsonValue | undefined,
  max: number,
  context?: TestContextOptions,
) {
  // The plugin's default limiter, as a run gives it (`ctx.limiter()`).
  const rateLimit = typeof plugin.rateLimit === 'function' ? plugin.rateLimit(config) : plugin.rateLimit;
  const ctx = await createTestContext({ rateLimit, ...context });
  const batches: SourceBatch[] = [];
  try {
    for await (const batch of plugin.read(ctx, config, from)) {
      batches.push(batch);
      if (batches.length >= max) break;
    }
  } finally {
    await plugin.close?.(ctx, config);
    await ctx.dispose();
  }
  return batches;
}

/**
 * The conformance suite every source plugin runs in one test file: shape, config schema, batches with JSON
 * positions, and resuming from any batch's position without losing or repeating records.
 */
export function describeSourceContract<Config>(
  factory: () => SourcePlugin<Config>,
  options: SourceContractOptions<Config>,
): void {
  const timeout = options.timeoutMs ?? 120_000;
  const max = options.maxBatches ?? Infinity;
  const rawConfigOf = (): Partial<Config> =>
    typeof options.config === 'function' ? (options.config as () => Partial<Config>)() : options.config;
  // Hooks get the config as the runtime hands it over: with the schema's defaults filled in.
  const configOf = (): Config => applyConfigDefaults(factory().configSchema, rawConfigOf()) as Config;

  describe(`source contract: ${factory().name}`, () => {
    let first: SourceBatch[] | undefined;
    const firstRead = async (): Promise<SourceBatch[]> =>
      (first ??= await readAll(factory(), configOf(), undefined, max, options.context));
    if (options.setup) beforeAll(options.setup, timeout);
    if (options.teardown) afterAll(options.teardown, timeout);

    test('is a source plugin: name, kind, configSchema, read()', () => {
      expect(shapeProblems(factory(), 'source')).toEqual([]);
    });

    test('configSchema is valid JSON Schema, describes every field and marks secrets', () => {
      expect(schemaProblems(factory().configSchema)).toEqual([]);
    });

    test('the example config satisfies the schema', () => {
      expect(configProblems(factory().configSchema, rawConfigOf())).toEqual([]);
    });

    test(
      'yields batches of records with JSON positions and locations',
      async () => {
        const batches = await firstRead();
        const records = batches.flatMap((b) => b.records);
        expect(records.length).toBeGreaterThanOrEqual(options.expect?.minRecords ?? 1);
        if (options.expect?.records !== undefined && max === Infinity)
          expect(records.length).toBe(options.expect.records);
        for (const batch of batches) {
          expect(Array.isArray(batch.records)).toBe(true);
          expect(JSON.parse(JSON.stringify(batch.position ?? null))).toEqual(batch.position ?? null);
          for (const r of batch.records) expect(typeof r === 'object' && r !== null && !Array.isArray(r)).toBe(true);
          if (batch.locate && batch.records.length > 0) expect(typeof batch.locate(0)).toBe('string');
          for (const reject of batch.rejects ?? []) {
            expect(typeof reject.location).toBe('string');
            expect(typeof reject.reason).toBe('string');
          }
        }
        for (const field of options.expect?.fields ?? []) expect(records.every((r) => field in r)).toBe(true);
      },
      timeout,
    );

    test(
      'resumes after a position without losing or repeating records',
      async () => {
        const batches = await firstRead();
        expect(
          batches.length,
          'needs at least 2 batches to test resuming: use a smaller batch size in the contract config',
        ).toBeGreaterThanOrEqual(2);
        for (const k of new Set([1, Math.floor(batches.length / 2)])) {
          const rest = await readAll(
            factory(),
            configOf(),
            batches[k - 1].position,
            max === Infinity ? Infinity : batches.length - k,
            options.context,
          );
          const expected: DataRecord[] = batches.slice(k).flatMap((b) => b.records);
          const got = rest.flatMap((b) => b.records);
          expect(got.length).toBe(expected.length);
          expect(got).toEqual(expected);
        }
      },
      timeout,
    );

    test(
      'stops cleanly when the reader is abandoned early, and close() still works',
      async () => {
        const plugin = factory();
        const config = configOf();
        const ctx = await createTestContext(options.context);
        const iterator = plugin.read(ctx, config, undefined)[Symbol.asyncIterator]();
        const step = await iterator.next();
        expect(step.done).toBe(false);
        await iterator.return?.();
        await expect(Promise.resolve(plugin.close?.(ctx, config))).resolves.toBeUndefined();
        await ctx.dispose();
      },
      timeout,
    );
  });
}

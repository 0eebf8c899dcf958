import { describe, expect, test } from 'vitest';
import { applyConfigDefaults, isRejection, type DataRecord, type TransformPlugin } from '@etl/core';
import { configProblems, schemaProblems, shapeProblems } from './schema-checks.js';
import { createTestContext, type TestContextOptions } from './test-context.js';

/** One input and what the transform must do with it: a record, `null` (filtered) or `'rejected'`. */
export interface TransformCase {
  input: DataRecord;
  output: DataRecord | null | 'rejected';
}

export interface TransformContractOptions<Config> {
  /** A working config; the kit applies the schema's defaults, as `etl run` does, so fields with one may be left out. */
  config: Partial<Config>;
  /** Inputs in order (stateful transforms see them in this order) and expected outputs. */
  cases: TransformCase[];
  context?: TestContextOptions;
}

/**
 * The conformance suite for transforms: shape, config schema, expected outputs, inputs left unmodified, and the
 * same outputs from a fresh run (no state leaking between runs other than through `ctx.state`).
 */
export function describeTransformContract<Config>(
  factory: () => TransformPlugin<Config>,
  options: TransformContractOptions<Config>,
): void {
  const run = async (): Promise<{ outputs: unknown[]; inputs: DataRecord[] }> => {
    const ctx = await createTestContext(options.context);
    const inputs = structuredClone(options.cases.map((c) => c.input));
    const plugin = factory();
    // Hooks get the config as the runtime hands it over: with the schema's defaults filled in.
    const fn = await plugin.create(ctx, applyConfigDefaults(plugin.configSchema, options.config) as Config);
    const outputs = inputs.map((r, index) => fn(r, { seq: 1, index }));
    await ctx.dispose();
    return { outputs, inputs };
  };

  describe(`transform contract: ${factory().name}`, () => {
    test('is a transform plugin: name, kind, configSchema, create()', () => {
      expect(shapeProblems(factory(), 'transform')).toEqual([]);
    });

    test('configSchema is valid JSON Schema, describes every field and marks secrets', () => {
      expect(schemaProblems(factory().configSchema)).toEqual([]);
    });

    test('the example config satisfies the schema', () => {
      expect(configProblems(factory().configSchema, options.config)).toEqual([]);
    });

    test('produces the expected output for each case', async () => {
      expect(options.cases.length).toBeGreaterThan(0);
      const { outputs } = await run();
      outputs.forEach((out, i) => {
        const want = options.cases[i].output;
        if (want === 'rejected') {
          expect(isRejection(out), `case ${i} should be rejected`).toBe(true);
          expect((out as { reason: string }).reason.length).toBeGreaterThan(0);
        } else if (want === null) expect(out ?? null, `case ${i} should be filtered`).toBeNull();
        else expect(out, `case ${i}`).toEqual(want);
      });
    });

    test('leaves its input records unmodified', async () => {
      const { inputs } = await run();
      expect(inputs).toEqual(options.cases.map((c) => c.input));
    });

    test('a fresh run gives the same outputs (no hidden state between runs)', async () => {
      const a = await run();
      const b = await run();
      expect(JSON.stringify(b.outputs)).toBe(JSON.stringify(a.outputs));
    });
  });
}

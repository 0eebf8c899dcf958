import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  applyConfigDefaults,
  runPipeline,
  type DataRecord,
  type JsonSchema,
  type RateLimitSpec,
  type RecordRef,
  type RunSummary,
  type SinkBatch,
  type SinkPlugin,
  type WriteResult,
} from '@etl/core';
import { collectSink } from './collect-sink.js';
import { tempDir } from './fixtures.js';
import { memorySource } from './memory-source.js';
import { resolvedPipeline } from './pipeline.js';
import { configProblems, propertiesOf, schemaProblems, shapeProblems } from './schema-checks.js';
import { createTestContext, type TestContext, type TestContextOptions } from './test-context.js';

export interface SinkContractOptions<Config> {
  /**
   * A working config (or a function building one after `setup`, e.g. with a fresh database name). The kit applies
   * the schema's defaults before any hook sees it, as `etl run` does, so fields with a `default` may be left out.
   */
  config: Partial<Config> | (() => Partial<Config>);
  /** Sample records the sink can write (a few dozen is plenty). */
  records: DataRecord[];
  /** Reads back what the destination holds, to check writes landed (and were not duplicated). */
  readBack?(config: Config): Promise<DataRecord[]>;
  /** Identity of a read-back record, for comparing sets. @default JSON of the whole record */
  key?(record: DataRecord): string;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  timeoutMs?: number;
  context?: TestContextOptions;
}

/** A `SinkBatch` as the runtime builds it. */
export function sinkBatch(records: DataRecord[], seq = 1, lineage = 'contract'): SinkBatch {
  const refs: RecordRef[] = records.map((_, index) => ({ seq, index }));
  return { records, refs, locate: (i) => `contract:${i + 1}`, checkpoint: { lineage, seq, index: records.length - 1 } };
}

const accounted = (r: WriteResult): number =>
  r.written + (r.unchanged ?? 0) + (r.skipped ?? 0) + (r.rejects?.length ?? 0);

/**
 * The conformance suite every sink plugin runs in one test file: shape, config schema, every record accounted for,
 * idempotent re-writes (the runtime retries whole batches), dry runs that write nothing, and close() after failures.
 */
export function describeSinkContract<Config>(
  factory: () => SinkPlugin<Config>,
  options: SinkContractOptions<Config>,
): void {
  const timeout = options.timeoutMs ?? 120_000;
  const rawConfigOf = (): Partial<Config> =>
    typeof options.config === 'function' ? (options.config as () => Partial<Config>)() : options.config;
  // Hooks get the config as the runtime hands it over: with the schema's defaults filled in.
  const configOf = (): Config => applyConfigDefaults(factory().configSchema, rawConfigOf()) as Config;
  const keyOf = options.key ?? ((r: DataRecord) => JSON.stringify(r));

  const session = async (
    dryRun: boolean,
    work: (plugin: SinkPlugin<Config>, ctx: TestContext, config: Config) => Promise<void>,
  ) => {
    const plugin = factory();
    const config = configOf();
    const ctx = await createTestContext({ rateLimit: rateLimitOf(plugin, config), ...options.context, dryRun });
    let outcome: 'succeeded' | 'failed' = 'failed';
    try {
      await plugin.setup?.(ctx, config);
      await work(plugin, ctx, config);
      outcome = 'succeeded';
    } finally {
      await plugin.close?.(ctx, config, outcome);
      await ctx.dispose();
    }
  };

  const interruptedThenResumed = (how: 'crash' | 'stop') =>
    runInterruptedThenResumed(factory, options, configOf(), how);

  describe(`sink contract: ${factory().name}`, () => {
    if (options.setup) beforeAll(options.setup, timeout);
    if (options.teardown) afterAll(options.teardown, timeout);

    test('is a sink plugin: name, kind, configSchema, write()', () => {
      expect(shapeProblems(factory(), 'sink')).toEqual([]);
      const size = factory().batchSize;
      expect(size === undefined || typeof size === 'number' || typeof size === 'function').toBe(true);
    });

    test('configSchema is valid JSON Schema, describes every field and marks secrets', () => {
      expect(schemaProblems(factory().configSchema)).toEqual([]);
    });

    test('the example config satisfies the schema', () => {
      expect(configProblems(factory().configSchema, rawConfigOf())).toEqual([]);
    });

    // Runs before any real write, so the destination cannot already hold the records a dry run must not write.
    // Before the first real setup the destination may not exist at all (no table yet): reading it back then fails,
    // which is just as good a proof that nothing was written.
    test(
      'a dry run sets up but writes nothing',
      async () => {
        const held = async (): Promise<string[]> => {
          try {
            return (await options.readBack!(configOf())).map(keyOf).sort();
          } catch {
            return [];
          }
        };
        const before = options.readBack ? await held() : undefined;
        await session(true, async (plugin, ctx, config) => {
          await plugin.write(ctx, config, sinkBatch(options.records, 3));
        });
        if (before) expect(await held()).toEqual(before);
      },
      timeout,
    );

    test(
      'write() accounts for every record, and what it wrote can be read back',
      async () => {
        expect(options.records.length).toBeGreaterThan(0);
        await session(false, async (plugin, ctx, config) => {
          const result = await plugin.write(ctx, config, sinkBatch(options.records));
          expect(accounted(result)).toBe(options.records.length);
          for (const reject of result.rejects ?? []) {
            expect(typeof reject.location).toBe('string');
            expect(reject.reason.length).toBeGreaterThan(0);
          }
          if (options.readBack) {
            const held = new Set((await options.readBack(config)).map(keyOf));
            const rejected = new Set((result.rejects ?? []).map((r) => r.location));
            const wanted = options.records.filter((_, i) => !rejected.has(`contract:${i + 1}`));
            expect(wanted.filter((r) => !held.has(keyOf(r)))).toEqual([]);
          }
        });
      },
      timeout,
    );

    test(
      'writing the same batch again (a retry) accounts for every record and duplicates nothing',
      async () => {
        await session(false, async (plugin, ctx, config) => {
          const batch = sinkBatch(options.records, 2);
          await plugin.write(ctx, config, batch);
          const before = options.readBack ? await options.readBack(config) : undefined;
          const again = await plugin.write(ctx, config, batch);
          expect(accounted(again)).toBe(options.records.length);
          if (before) expect((await options.readBack!(config)).length).toBe(before.length);
        });
      },
      timeout,
    );

    test(
      'names its destination: a stable, printable id that holds no secret',
      async () => {
        const config = configOf();
        const ctx = await createTestContext(options.context);
        const first = factory();
        const second = factory();
        try {
          const a = await first.destination!(ctx, config);
          const b = await second.destination!(ctx, config);
          expect(typeof a.id).toBe('string');
          expect(a.id.trim()).not.toBe('');
          expect(a.id).not.toMatch(/[\u0000-\u001f\u007f]/);
          expect(b.id).toBe(a.id);
          for (const secret of secretValues(first.configSchema, config, options.context?.secrets)) {
            expect(a.id).not.toContain(secret);
            expect(a.label ?? '').not.toContain(secret);
          }
        } finally {
          await first.close?.(ctx, config, 'succeeded');
          await second.close?.(ctx, config, 'succeeded');
          await ctx.dispose();
        }
      },
      timeout,
    );

    test(
      'through the runtime: a new destination is reported new, then known, and every record is accounted for',
      async () => {
        const stateDir = tempDir();
        const config = configOf();
        const run = () =>
          runPipeline(
            resolvedPipeline('contract', {
              src: { plugin: memorySource(options.records) },
              sink: { plugin: factory(), input: 'src', config: config as DataRecord },
            }),
            {
              stateDir,
              fresh: true,
            },
          );
        const first = await run();
        expect(first.error).toBeUndefined();
        const second = await run();
        for (const [summary, known] of [
          [first, false],
          [second, true],
        ] as const) {
          const sink = summary.steps.find((s) => s.step === 'sink')!;
          expect(sink.destination?.known).toBe(known);
          expect(sink.written + sink.unchanged + sink.rejected + sink.filtered).toBe(options.records.length);
        }
      },
      timeout,
    );

    test(
      'a run that crashed after some batches resumes: every record lands, none twice',
      async () => {
        await interruptedThenResumed('crash');
      },
      timeout,
    );

    test(
      'a run stopped by a signal ends interrupted, and the next run finishes: every record lands, none twice',
      async () => {
        await interruptedThenResumed('stop');
      },
      timeout,
    );

    test(
      'close() works after a failed run and without any write',
      async () => {
        const plugin = factory();
        const config = configOf();
        const ctx = await createTestContext(options.context);
        await plugin.setup?.(ctx, config);
        await expect(Promise.resolve(plugin.close?.(ctx, config, 'failed'))).resolves.toBeUndefined();
        await ctx.dispose();
      },
      timeout,
    );
  });
}

/**
 * Runs the sink through the runtime beside a second sink that crashes (or stops the run) at its second write, then
 * runs again from the same state folder: the second run resumes, and the destination holds every record once.
 */
async function runInterruptedThenResumed<Config>(
  factory: () => SinkPlugin<Config>,
  options: SinkContractOptions<Config>,
  config: Config,
  how: 'crash' | 'stop',
): Promise<void> {
  const keyOf = options.key ?? ((r: DataRecord) => JSON.stringify(r));
  const records = options.records;
  const batchSize = Math.max(1, Math.floor(records.length / 4));
  const stateDir = tempDir();
  const controller = new AbortController();
  const count = (held: DataRecord[]) =>
    held.map(keyOf).reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
  const before = options.readBack ? count(await options.readBack(config).catch(() => [])) : undefined;
  const build = (sibling: SinkPlugin) =>
    resolvedPipeline('contract-resume', {
      src: { plugin: memorySource(records, { batchSize }) },
      sink: { plugin: factory(), input: 'src', config: config as DataRecord, batchSize },
      other: { plugin: sibling, input: 'src', batchSize },
    });
  const first = await runPipeline(
    build(
      how === 'crash'
        ? collectSink({ name: 'other', failAt: 2 })
        : collectSink({ name: 'other', onWrite: (_batch, call) => void (call === 2 && controller.abort('SIGINT')) }),
    ),
    { stateDir, fresh: true, signal: controller.signal },
  );
  expect(first.status).toBe(how === 'crash' ? 'failed' : 'interrupted');
  const second = await runPipeline(build(collectSink({ name: 'other' })), { stateDir });
  expect(second.error).toBeUndefined();
  expect(second.resumed).toBe(true);
  const sunk = (steps: RunSummary['steps']) =>
    steps.filter((s) => s.step === 'sink').reduce((n, s) => n + s.written + s.unchanged + s.rejected + s.filtered, 0);
  // What the first run checkpointed is not handed over again; what it wrote after its last checkpoint may be.
  expect(sunk(first.steps) + sunk(second.steps)).toBeGreaterThanOrEqual(records.length);
  if (options.readBack && before) {
    const after = count(await options.readBack(config));
    const wanted = [...new Set(records.map(keyOf))];
    expect(wanted.filter((key) => !after.has(key))).toEqual([]);
    // At most one more copy of each record than before: an upserting sink holds one, an appending sink one more.
    expect(wanted.filter((key) => (after.get(key) ?? 0) - (before.get(key) ?? 0) > 1)).toEqual([]);
  }
}

/** The plugin's default rate for this config, as the runtime resolves it. */
function rateLimitOf<Config>(plugin: SinkPlugin<Config>, config: Config): RateLimitSpec | undefined {
  return typeof plugin.rateLimit === 'function' ? plugin.rateLimit(config) : plugin.rateLimit;
}

/** Values of the config's fields that the schema marks `secret: true`, plus secrets the test context knows. */
function secretValues(schema: JsonSchema, config: unknown, extra: string[] = []): string[] {
  const values = [...extra];
  for (const prop of propertiesOf(schema)) {
    if (prop.schema.secret !== true || prop.path.includes('[') || prop.path.includes('(')) continue;
    const value = prop.path
      .split('.')
      .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), config);
    if (typeof value === 'string' && value.length >= 4) values.push(value);
  }
  return values;
}

import { describe, expect, test } from 'vitest';
import { defineSink, runPipeline, type RateLimiter, type SinkPlugin } from '@etl/core';
import { memorySource, numberedRecords, resolvedPipeline, tempDir } from '@etl/testing';

/** A sink that notes the limiter its hooks see. */
function spySink(rateLimit: SinkPlugin<{ tier: string }>['rateLimit']) {
  const seen: Array<RateLimiter | undefined> = [];
  const plugin = defineSink<{ tier: string }>({
    name: 'spy',
    configSchema: { type: 'object', properties: { tier: { type: 'string', default: 'free', description: 'Tier.' } } },
    rateLimit,
    destination: (ctx) => (seen.push(ctx.limiter()), { id: 'memory:spy' }),
    async write(ctx, _config, batch) {
      seen.push(ctx.limiter());
      await ctx.limiter()?.schedule(async () => undefined, { weight: 2 });
      return { written: batch.records.length };
    },
  });
  return { plugin, seen };
}

const run = (
  plugin: SinkPlugin,
  extra: {
    limiter?: string;
    limiters?: Record<string, { max: number; intervalMs: number }>;
    config?: Record<string, unknown>;
  } = {},
) =>
  runPipeline(
    resolvedPipeline(
      'limits',
      {
        src: { plugin: memorySource(numberedRecords(5)) },
        out: {
          plugin: plugin as SinkPlugin,
          input: 'src',
          config: extra.config,
          ...(extra.limiter ? { limiter: extra.limiter } : {}),
        },
      },
      { limiters: extra.limiters },
    ),
    { stateDir: tempDir() },
  );

describe("a plugin's default rate limit", () => {
  test('gives the step its own limiter when the YAML names none: ctx.limiter() is defined from destination() on', async () => {
    const { plugin, seen } = spySink({ max: 3, intervalMs: 60_000, maxConcurrent: 2 });
    expect((await run(plugin)).status).toBe('succeeded');
    expect(seen.length).toBeGreaterThan(1);
    for (const limiter of seen) expect(limiter?.limit).toEqual({ max: 3, intervalMs: 60_000, maxConcurrent: 2 });
  });

  test("a function default reads the step's config with schema defaults applied", async () => {
    const { plugin, seen } = spySink((config) => ({ max: config.tier === 'free' ? 10 : 100, intervalMs: 1000 }));
    await run(plugin);
    expect(seen[0]?.limit.max).toBe(10);
    const pro = spySink((config) => ({ max: config.tier === 'free' ? 10 : 100, intervalMs: 1000 }));
    await run(pro.plugin, { config: { tier: 'pro' } });
    expect(pro.seen[0]?.limit.max).toBe(100);
  });

  test('a `limiter:` in the YAML overrides it (and is shared by name)', async () => {
    const { plugin, seen } = spySink({ max: 3, intervalMs: 60_000 });
    await run(plugin, { limiter: 'crm', limiters: { crm: { max: 50, intervalMs: 10_000 } } });
    expect(seen.every((limiter) => limiter?.name === 'crm' && limiter.limit.max === 50)).toBe(true);
  });

  test('without a default or a `limiter:` there is none', async () => {
    const { plugin, seen } = spySink(undefined);
    await run(plugin);
    expect(seen.every((limiter) => limiter === undefined)).toBe(true);
  });
});

describe('a broken rateLimit', () => {
  test('stops the run as an invalid plugin, saying what it gave', async () => {
    const { plugin } = spySink(() => ({ max: 0, intervalMs: 1000 }));
    const summary = await run(plugin);
    expect(summary.status).toBe('failed');
    expect(summary.error).toMatchObject({ code: 'PLUGIN_INVALID' });
    expect(summary.error?.message).toContain('`rateLimit` gave {"max":0,"intervalMs":1000}');
  });
});

import { describe, expect, test } from 'vitest';
import { FatalError, checkPipeline, defineSink } from '@etl/core';
import { collectSink, memorySource, resolvedPipeline, tempDir } from '@etl/testing';

describe('checkPipeline', () => {
  test("runs each plugin's check() and reports per step, never throwing for a failed check", async () => {
    const secret = 's3cret-token-value';
    const good = defineSink({
      name: 'good',
      configSchema: {},
      write: async (_c, _k, b) => ({ written: b.records.length }),
      check: async (ctx) => ({ ok: true, message: `reached the API as ${ctx.step}`, details: { dryRun: ctx.dryRun } }),
    });
    const bad = defineSink({
      name: 'bad',
      configSchema: {},
      write: async (_c, _k, b) => ({ written: b.records.length }),
      check: async () => {
        throw new FatalError(`401 Unauthorized for token ${secret}`, { code: 'HUBSPOT_AUTH', suggestions: ['Create a new private app token.'] });
      },
    });
    const results = await checkPipeline(
      resolvedPipeline(
        'check',
        {
          src: { plugin: memorySource([]) },
          a: { plugin: good, input: 'src' },
          b: { plugin: bad, input: 'src' },
          c: { plugin: collectSink(), input: 'src' },
        },
        { secrets: [secret] },
      ),
      { stateDir: tempDir() },
    );
    expect(results.map((r) => [r.step, r.ok, r.skipped])).toEqual([
      ['src', true, true],
      ['a', true, false],
      ['b', false, false],
      ['c', true, true],
    ]);
    expect(results[1]).toMatchObject({ message: 'reached the API as a', details: { dryRun: true } });
    expect(results[2].message).toBe('401 Unauthorized for token ***');
    expect(results[2].error).toEqual({ code: 'HUBSPOT_AUTH', exitCode: 5, suggestions: ['Create a new private app token.'] });
  });
});

import { describe, expect, test } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FatalError, checkPipeline, defineSink, openCheckpointStore, pipelineStateDir } from '@etl/core';
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
        throw new FatalError(`401 Unauthorized for token ${secret}`, {
          code: 'HUBSPOT_AUTH',
          suggestions: ['Create a new private app token.'],
        });
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
    expect(results[2].error).toEqual({
      code: 'HUBSPOT_AUTH',
      exitCode: 5,
      suggestions: ['Create a new private app token.'],
    });
  });

  test('never writes the state: reads what a live run committed, takes no lock, leaves the file byte for byte', async () => {
    const stateDir = tempDir();
    const dir = pipelineStateDir(stateDir, 'live');
    const run = await openCheckpointStore(dir);
    run.state('a').set('k', 1);
    await run.commit({ at: 1 });
    run.state('a').set('k', 2); // staged by the live run, not committed
    const file = join(dir, 'state.mdb');
    const before = readFileSync(file);
    const files = () =>
      readdirSync(dir)
        .filter((f) => f.startsWith('checkpoint.') || f.startsWith('state.'))
        .sort();
    const listed = files();
    const seen: unknown[] = [];
    const probe = defineSink({
      name: 'probe',
      configSchema: {},
      write: async (_c, _k, b) => ({ written: b.records.length }),
      check: async (ctx) => {
        seen.push(ctx.state.get('k'));
        return { ok: true, message: 'ok' };
      },
    });
    const results = await checkPipeline(
      resolvedPipeline('live', { src: { plugin: memorySource([]) }, a: { plugin: probe, input: 'src' } }),
      { stateDir },
    );
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(seen).toEqual([1]);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(files()).toEqual(listed); // no lock taken, no temp file left
    await run.close();
  });

  test('a pipeline that never ran is checked without creating its state folder', async () => {
    const stateDir = tempDir();
    await checkPipeline(
      resolvedPipeline('new', { src: { plugin: memorySource([]) }, c: { plugin: collectSink(), input: 'src' } }),
      { stateDir },
    );
    expect(existsSync(pipelineStateDir(stateDir, 'new'))).toBe(false);
  });
});

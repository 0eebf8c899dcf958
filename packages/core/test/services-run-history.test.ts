import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { defineSink, FatalError, listRuns, readRun, runPipeline } from '@etl/core';
import {
  collectSink,
  memorySource,
  resolvedPipeline,
  numberedRecords as numbers,
  tempDir as tempStateDir,
} from '@etl/testing';

describe('run history', () => {
  test('each run gets a time-sortable folder with summary, log and rejects; listRuns/readRun read them back', async () => {
    const stateDir = tempStateDir();
    const run = (name: string) =>
      runPipeline(
        resolvedPipeline(name, {
          src: { plugin: memorySource(numbers(5)) },
          out: { plugin: collectSink(), input: 'src' },
        }),
        { stateDir },
      );
    const a = await run('alpha');
    const b = await run('beta');
    const c = await run('alpha');
    expect(a.runId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(a.runDir).toContain(`runs/${a.runId}`);
    const all = await listRuns(stateDir);
    expect(all.map((r) => r.runId)).toEqual([a.runId, b.runId, c.runId].sort().reverse());
    expect((await listRuns(stateDir, 'alpha')).map((r) => r.runId).sort()).toEqual([a.runId, c.runId].sort());
    const read = await readRun(stateDir, b.runId);
    expect(read).toMatchObject({
      pipeline: 'beta',
      status: 'succeeded',
      summary: { steps: [{ read: 5 }, { written: 5 }] },
    });
    expect(await readRun(stateDir, 'no-such-run')).toBeUndefined();
  });

  test('secrets never reach the summary, the log or the rejects file, even from plugin errors', async () => {
    const secret = 'hunter2-very-secret';
    const leaky = defineSink({
      name: 'leaky',
      configSchema: {},
      batchSize: 2,
      async write(ctx, _c, batch) {
        ctx.logger.info(`sending with key ${secret}`, { header: `Bearer ${secret}` });
        if (batch.refs[0].seq === 2)
          throw new FatalError(`401 for key ${secret}`, { suggestions: [`check ${secret}`] });
        return {
          written: 1,
          rejects: [{ location: batch.locate(1), reason: `bad ${secret}`, record: { key: secret } }],
        };
      },
    });
    const summary = await runPipeline(
      resolvedPipeline(
        'leak',
        { src: { plugin: memorySource(numbers(6), { batchSize: 2 }) }, out: { plugin: leaky, input: 'src' } },
        { secrets: [secret] },
      ),
      { stateDir: tempStateDir() },
    );
    expect(summary.status).toBe('failed');
    expect(summary.error!.message).toContain('401 for key ***');
    for (const file of [summary.logFile, summary.rejectsFile, `${summary.runDir}/summary.json`]) {
      const text = readFileSync(file, 'utf8');
      expect(text.length).toBeGreaterThan(0);
      expect(text).not.toContain(secret);
    }
    expect(JSON.stringify(summary.error)).not.toContain(secret);
  });
});

/** The source under core's real runtime: rejects reach the run's rejects file with file:line, and a failed run resumes. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runPipeline } from '@etl/core';
import { collectSink, resolvedPipeline } from '@etl/testing';
import { kaggleSource } from '@etl/source-kaggle';

const config = {
  dataset: 'thedevastator/us-baby-names-by-year-of-birth',
  file: 'babyNamesUSYOB-full.csv',
  mode: 'file',
  path: fileURLToPath(new URL('./fixtures/dirty.csv', import.meta.url)),
  batchSize: 4,
};
const source = () => kaggleSource({ credentials: { env: {}, home: '/nonexistent' } });
let stateDir: string | undefined;
afterEach(async () => {
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe('kaggle source under the runtime', () => {
  it('writes every reject with its file:line and reason, and resumes after a failed run without repeating records', async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'etl-kaggle-runtime-'));
    const failing = collectSink({ batchSize: 1, failAt: 2, failWith: 'fatal' });
    const first = await runPipeline(
      resolvedPipeline('dirty', { kaggle: { plugin: source(), config }, sink: { plugin: failing, input: 'kaggle' } }),
      {
        stateDir,
      },
    );
    expect(first.status).toBe('failed');

    const sink = collectSink({ batchSize: 1 });
    const second = await runPipeline(
      resolvedPipeline('dirty', { kaggle: { plugin: source(), config }, sink: { plugin: sink, input: 'kaggle' } }),
      {
        stateDir,
      },
    );
    expect(second.status).toBe('succeeded');
    expect(second.resumed).toBe(true);
    const names = [...failing.log.records, ...sink.log.records].map((r) => r.name);
    expect(names).toEqual(['Mary', 'Florence', 'Cora']);

    const rejected = [first, second]
      .flatMap((summary) => readFileSync(summary.rejectsFile, 'utf8').split('\n').filter(Boolean))
      .map((line) => JSON.parse(line) as { location: string; reason: string });
    const locations = [...new Set(rejected.map((r) => r.location))];
    expect(locations).toEqual(['3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '15'].map((n) => `dirty.csv:${n}`));
    expect(rejected.find((r) => r.location === 'dirty.csv:7')?.reason).toContain('Sex "X" is not one of F, M');
  });
});

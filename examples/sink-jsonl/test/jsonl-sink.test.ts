import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runPipeline } from '@etl/core';
import { collectSink, memorySource, resolvedPipeline } from '@etl/testing';
import { jsonlSink } from '../src/index.js';

const records = Array.from({ length: 2500 }, (_, i) => ({ id: i, name: `n${i}` }));
const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: number });

describe('jsonl example sink', () => {
  test('writes every record once, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jsonl-'));
    const out = join(dir, 'out.jsonl');
    const pipeline = resolvedPipeline('jsonl', {
      src: { plugin: memorySource(records, { batchSize: 700 }) },
      out: { plugin: jsonlSink(), input: 'src', config: { path: out } },
    });
    const summary = await runPipeline(pipeline, { stateDir: join(dir, 'state') });
    expect(summary.status).toBe('succeeded');
    expect(lines(out).map((r) => r.id)).toEqual(records.map((r) => r.id));
  });

  test('a run that failed midway resumes without losing or repeating a line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jsonl-'));
    const out = join(dir, 'out.jsonl');
    const stateDir = join(dir, 'state');
    // The failing branch makes the run die after the jsonl sink has committed some batches.
    const failing = resolvedPipeline('jsonl', {
      src: { plugin: memorySource(records, { batchSize: 500 }) },
      out: { plugin: jsonlSink(), input: 'src', config: { path: out }, batchSize: 500 },
      boom: { plugin: collectSink({ failAt: 3 }), input: 'src', batchSize: 500 },
    });
    const first = await runPipeline(failing, { stateDir }).catch((error: unknown) => error);
    expect(existsSync(out)).toBe(true);
    expect(lines(out).length).toBeLessThan(records.length);
    void first;

    const resumed = resolvedPipeline('jsonl', {
      src: { plugin: memorySource(records, { batchSize: 500 }) },
      out: { plugin: jsonlSink(), input: 'src', config: { path: out }, batchSize: 500 },
      boom: { plugin: collectSink(), input: 'src', batchSize: 500 },
    });
    const summary = await runPipeline(resumed, { stateDir });
    expect(summary.resumed).toBe(true);
    expect(lines(out).map((r) => r.id)).toEqual(records.map((r) => r.id));
  });
});

describe('the example pipeline', () => {
  // Loads the plugin by path (`use: ./dist/index.js`), as a user's own plugin would be: needs `tsc -b` first.
  test.skipIf(!existsSync(new URL('../dist/index.js', import.meta.url)))(
    'runs with the plugin loaded by path',
    async () => {
      const { preparePipeline } = await import('@etl/core');
      const dir = mkdtempSync(join(tmpdir(), 'jsonl-'));
      const out = join(dir, 'girls.jsonl');
      const file = new URL('../pipeline.yaml', import.meta.url).pathname;
      const { pipeline, issues } = await preparePipeline(file, { env: { ...process.env, JSONL_OUT: out } });
      expect(issues).toEqual([]);
      expect(pipeline.steps.find((s) => s.name === 'out')?.from).toMatch(/sink-jsonl\/dist\/index\.js$/);
      const summary = await runPipeline(pipeline, { stateDir: join(dir, 'state') });
      expect(summary.status).toBe('succeeded');

      const csv = readFileSync(
        new URL('../../../packages/sandbox/data/babyNamesUSYOB-sample.csv', import.meta.url),
        'utf8',
      );
      const girls = csv
        .trim()
        .split('\n')
        .slice(1)
        .filter((line) => line.split(',')[2] === 'F');
      const written = readFileSync(out, 'utf8').trim().split('\n');
      expect(written).toHaveLength(girls.length);
      expect(Object.keys(JSON.parse(written[0]!))).toEqual(['year', 'name', 'count']);
    },
  );
});

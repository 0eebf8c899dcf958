/** The sink inside core's runtime: shared limiter from the pipeline, run summary counters, rejects file, dry run. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '@etl/core';
import { startHubspotSandbox, type HubspotSandbox } from '@etl/sandbox';
import { memorySource, resolvedPipeline } from '@etl/testing';
import hubspotSink from '@etl/sink-hubspot';
import { babyNamesConfig, names } from './helpers/drive.js';

let sandbox: HubspotSandbox;
let stateDir: string;
beforeAll(async () => {
  sandbox = await startHubspotSandbox({ port: 0, host: '127.0.0.1', rate: '20/2s' });
  stateDir = mkdtempSync(join(tmpdir(), 'etl-hubspot-runtime-'));
});
afterAll(async () => {
  await sandbox?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const pipeline = (records: Array<Record<string, unknown>>) => {
  const { rate: _rate, ...config } = babyNamesConfig(sandbox.baseUrl, sandbox.token);
  return resolvedPipeline(
    'names',
    {
      source: { plugin: memorySource(records, { batchSize: 500, label: 'names.csv' }) },
      hubspot: { plugin: hubspotSink(), input: 'source', config: config as never, limiter: 'hubspot' },
    },
    { secrets: [sandbox.token], limiters: { hubspot: { max: 20, intervalMs: 2000, maxConcurrent: 4 } } },
  );
};

describe('hubspot sink in core runtime', () => {
  it('syncs through the shared limiter without a 429, then a rerun writes 0 and a dry run plans without writing', async () => {
    const records = [...names(1500), { name: 'Bad', sex: 'X' }];
    const first = await runPipeline(pipeline(records), { stateDir });
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    const step = first.steps.find((s) => s.step === 'hubspot')!;
    expect(step).toMatchObject({ written: 1500, rejected: 1 });
    expect(step.counters).toMatchObject({ created: 1500 });
    expect(step.counters.http429 ?? 0).toBe(0);
    expect(sandbox.stats().byStatus['429'] ?? 0).toBe(0);
    expect(sandbox.contacts()).toHaveLength(1500);
    const rejects = readFileSync(first.rejectsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rejects).toHaveLength(1);
    expect(JSON.stringify(rejects[0])).toContain('names.csv:1501');
    expect(JSON.stringify(rejects[0])).toContain('is not an option');
    expect(readFileSync(first.logFile, 'utf8')).not.toContain(sandbox.token);

    const second = await runPipeline(pipeline(records), { stateDir });
    expect(second.steps.find((s) => s.step === 'hubspot')).toMatchObject({ written: 0, unchanged: 1500, rejected: 1 });

    const before = sandbox.stats().byRoute;
    const dry = await runPipeline(pipeline([...records, ...names(30, 5000)]), { stateDir, dryRun: true });
    expect(dry.status).toBe('succeeded');
    expect(dry.steps.find((s) => s.step === 'hubspot')!.counters).toMatchObject({
      wouldCreate: 30,
      wouldUpdate: 0,
      unchanged: 1500,
    });
    expect(sandbox.contacts()).toHaveLength(1500);
    const upsertsBefore = Object.entries(before)
      .filter(([r]) => r.includes('upsert'))
      .reduce((n, [, v]) => n + v, 0);
    const upsertsAfter = Object.entries(sandbox.stats().byRoute)
      .filter(([r]) => r.includes('upsert'))
      .reduce((n, [, v]) => n + v, 0);
    expect(upsertsAfter).toBe(upsertsBefore);
  });
});

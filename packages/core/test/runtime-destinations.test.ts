import { describe, expect, test } from 'vitest';
import { runPipeline, type SourcePlugin } from '@etl/core';
import {
  fakeDestination,
  ledgerSink,
  memorySource,
  numberedRecords,
  resolvedPipeline,
  tempDir,
  type FakeDestination,
} from '@etl/testing';

/** A memory source that names its input, so runs can be up to date. */
const versioned = (n: number, version = 'v1'): SourcePlugin =>
  Object.assign(memorySource(numberedRecords(n), { batchSize: 10 }), { inputVersion: async () => version });

/** One project folder, one pipeline, and a destination the user can switch between runs. */
function project(n = 50) {
  const stateDir = tempDir();
  let current: FakeDestination = fakeDestination('A');
  const build = (options: { failAt?: number; source?: SourcePlugin } = {}) =>
    resolvedPipeline('crm', {
      src: { plugin: options.source ?? versioned(n) },
      crm: { plugin: ledgerSink(() => current, { batchSize: 10, failAt: options.failAt }), input: 'src' },
    });
  return {
    stateDir,
    build,
    use(dest: FakeDestination) {
      current = dest;
    },
  };
}

const crmStep = (summary: Awaited<ReturnType<typeof runPipeline>>) => summary.steps.find((s) => s.step === 'crm')!;

describe('runPipeline: sink state belongs to a destination', () => {
  test('a second, empty destination gets every record, and the first keeps its ledger', async () => {
    const p = project();
    const a = fakeDestination('A');
    const b = fakeDestination('B');
    p.use(a);
    const first = await runPipeline(p.build(), { stateDir: p.stateDir });
    expect(crmStep(first)).toMatchObject({ written: 50, destination: { id: 'fake:A', known: false } });

    p.use(b);
    const second = await runPipeline(p.build(), { stateDir: p.stateDir });
    expect(second.upToDate).toBe(false);
    expect(crmStep(second)).toMatchObject({ written: 50, unchanged: 0, destination: { id: 'fake:B', known: false } });
    expect(b.records.size).toBe(50);

    p.use(a);
    const third = await runPipeline(p.build(), { stateDir: p.stateDir });
    // Same input, pipeline and destination as the last success of A? No: the last success was B's, so it runs and A's
    // ledger says every record is already there.
    expect(third.upToDate).toBe(false);
    expect(crmStep(third)).toMatchObject({ written: 0, unchanged: 50, destination: { id: 'fake:A', known: true } });
    expect(a.writes).toBe(5);
  });

  test('--fresh empties the ledger for the lineage, and a resumed fresh lineage does not trust the old one', async () => {
    const p = project(100);
    const a = fakeDestination('A');
    p.use(a);
    expect((await runPipeline(p.build(), { stateDir: p.stateDir })).status).toBe('succeeded');
    a.records.clear(); // someone emptied the destination; its identity is the same

    const failed = await runPipeline(p.build({ failAt: 4 }), { stateDir: p.stateDir, fresh: true });
    expect(failed).toMatchObject({ status: 'failed', fresh: true });
    expect(a.records.size).toBe(30);

    const resumed = await runPipeline(p.build(), { stateDir: p.stateDir });
    expect(resumed).toMatchObject({ status: 'succeeded', resumed: true, fresh: true, lineage: failed.lineage });
    expect(crmStep(resumed).written).toBe(70);
    expect(a.records.size).toBe(100);
  });

  test('--reconcile re-sends exactly what the destination lost or changed, one read per 100 ledger entries', async () => {
    const p = project(250);
    const a = fakeDestination('A');
    p.use(a);
    await runPipeline(p.build(), { stateDir: p.stateDir });
    expect((await runPipeline(p.build(), { stateDir: p.stateDir })).upToDate).toBe(true);
    for (let id = 1; id <= 10; id++) a.records.delete(String(id));
    a.records.set('20', 'edited by a person');
    const writesBefore = a.writes;

    const reconciled = await runPipeline(p.build(), { stateDir: p.stateDir, reconcile: true });
    const crm = crmStep(reconciled);
    expect(reconciled.upToDate).toBe(false);
    expect(crm.reconcile).toEqual({ checked: 250, missing: 10, different: 1, reads: 3 });
    expect(crm).toMatchObject({ written: 11, unchanged: 239 });
    expect(crm.counters.resent).toBe(11);
    expect(a.reads).toBe(3);
    expect(a.records.size).toBe(250);
    expect(a.writes - writesBefore).toBe(2); // records 1–10 and 20 fall in the first two batches of ten

    const again = await runPipeline(p.build(), { stateDir: p.stateDir, reconcile: true });
    expect(crmStep(again)).toMatchObject({ written: 0, reconcile: { missing: 0, different: 0 } });
  });

  test('a run is up to date only for the destinations of the last success', async () => {
    const p = project(20);
    p.use(fakeDestination('A'));
    expect((await runPipeline(p.build(), { stateDir: p.stateDir })).upToDate).toBe(false);
    expect((await runPipeline(p.build(), { stateDir: p.stateDir })).upToDate).toBe(true);
    const b = fakeDestination('B');
    p.use(b);
    expect((await runPipeline(p.build(), { stateDir: p.stateDir })).upToDate).toBe(false);
    expect(b.records.size).toBe(20);
  });
});

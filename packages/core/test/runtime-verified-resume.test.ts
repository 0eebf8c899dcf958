import { describe, expect, test } from 'vitest';
import { defineSource, runPipeline, type Logger, type ResolvedPipeline } from '@etl/core';
import {
  collectSink,
  fakeDestination,
  ledgerSink,
  resolvedPipeline,
  tempDir,
  type FakeDestination,
} from '@etl/testing';

/** A source that batches by `ctx.batchSize` (settings.batchSize) and names its input by `version.current`. */
function sizedSource(n: number, version: { current: string }) {
  const froms: unknown[] = [];
  const plugin = defineSource({
    name: 'sized',
    configSchema: { type: 'object', properties: {} },
    inputVersion: async () => version.current,
    async *read(ctx, _config, from) {
      froms.push(from);
      for (let i = typeof from === 'number' ? from : 0; i < n; i += ctx.batchSize) {
        const records = [];
        for (let j = i; j < Math.min(n, i + ctx.batchSize); j++) records.push({ id: j + 1, v: version.current });
        yield { records, position: i + records.length };
      }
    },
  });
  return Object.assign(plugin, { froms });
}

function linesLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger: Logger & { lines: string[] } = {
    lines,
    debug: () => undefined,
    info: (m) => void lines.push(m),
    warn: (m) => void lines.push(m),
    error: (m) => void lines.push(m),
    child: () => logger,
  };
  return logger;
}

function project() {
  const stateDir = tempDir();
  const version = { current: 'v1' };
  let dest: FakeDestination = fakeDestination('A');
  const build = (
    o: { batchSize?: number; failAt?: number } = {},
  ): { pipeline: ResolvedPipeline; source: ReturnType<typeof sizedSource> } => {
    const source = sizedSource(100, version);
    const pipeline = resolvedPipeline('verified', {
      src: { plugin: source },
      crm: { plugin: ledgerSink(() => dest, { batchSize: 10, failAt: o.failAt }), input: 'src' },
    });
    pipeline.batchSize = o.batchSize ?? 10;
    return { pipeline, source };
  };
  return { stateDir, version, build, to: (d: FakeDestination) => void (dest = d) };
}

describe('runPipeline: a resume is verified against the lineage it continues', () => {
  test('the same input, pipeline, batch size and destination: it resumes by position', async () => {
    const p = project();
    expect((await runPipeline(p.build({ failAt: 4 }).pipeline, { stateDir: p.stateDir })).status).toBe('failed');
    const { pipeline, source } = p.build();
    const resumed = await runPipeline(pipeline, { stateDir: p.stateDir });
    expect(resumed).toMatchObject({ status: 'succeeded', resumed: true });
    expect(source.froms).toEqual([30]);
  });

  test('a changed settings.batchSize starts a new lineage and says why', async () => {
    const p = project();
    const failed = await runPipeline(p.build({ failAt: 4 }).pipeline, { stateDir: p.stateDir });
    const logger = linesLogger();
    const { pipeline, source } = p.build({ batchSize: 7 });
    const second = await runPipeline(pipeline, { stateDir: p.stateDir, logger });
    expect(second).toMatchObject({ status: 'succeeded', resumed: false });
    expect(second.lineage).not.toBe(failed.lineage);
    expect(second.restarted).toContain('settings.batchSize changed from 10 to 7');
    expect(logger.lines.some((l) => l.startsWith(`not resuming run ${failed.runId}`))).toBe(true);
    expect(source.froms).toEqual([undefined]);
    // The ledger still vouches for what the failed run committed: that much comes back unchanged.
    const crm = second.steps.find((s) => s.step === 'crm')!;
    expect(crm.unchanged).toBeGreaterThan(0);
    expect(crm.written + crm.unchanged).toBe(100);
  });

  test('a new input version starts a new lineage: nothing of the new input is skipped by old positions', async () => {
    const p = project();
    await runPipeline(p.build({ failAt: 4 }).pipeline, { stateDir: p.stateDir });
    p.version.current = 'v2';
    const { pipeline, source } = p.build();
    const second = await runPipeline(pipeline, { stateDir: p.stateDir });
    expect(second.restarted).toContain('the input changed (it was v1; it is now v2)');
    expect(source.froms).toEqual([undefined]);
    expect(second.steps.find((s) => s.step === 'crm')).toMatchObject({ written: 100, unchanged: 0 });
  });

  test('another destination starts a new lineage that sends it everything', async () => {
    const p = project();
    await runPipeline(p.build({ failAt: 4 }).pipeline, { stateDir: p.stateDir });
    const b = fakeDestination('B');
    p.to(b);
    const second = await runPipeline(p.build().pipeline, { stateDir: p.stateDir });
    expect(second.restarted).toContain('step "crm" now writes to fake destination B');
    expect(b.records.size).toBe(100);
  });

  test('a checkpoint without a recorded identity (an older etl) is not resumed blind', async () => {
    const p = project();
    await runPipeline(p.build({ failAt: 4 }).pipeline, { stateDir: p.stateDir });
    // Rewrite the journal's last checkpoint as an older etl wrote it (no identity).
    const { openCheckpointStore, pipelineStateDir } = await import('@etl/core');
    const store = await openCheckpointStore(pipelineStateDir(p.stateDir, 'verified'));
    const { identity: _identity, fresh: _fresh, ...old } = store.checkpoint as Record<string, unknown>;
    await store.commit(old as never);
    await store.close();
    const second = await runPipeline(p.build().pipeline, { stateDir: p.stateDir });
    expect(second).toMatchObject({ resumed: false, status: 'succeeded' });
    expect(second.restarted).toContain('older etl');
  });

  test('a run that stopped before its first checkpoint: "starting from the beginning", no missing-checkpoint warning', async () => {
    const stateDir = tempDir();
    const version = { current: 'v1' };
    const failing = collectSink({ batchSize: 10, failAt: 1 });
    const build = (sink: ReturnType<typeof collectSink>) => {
      const pipeline = resolvedPipeline('early', {
        src: { plugin: sizedSource(30, version) },
        out: { plugin: sink, input: 'src' },
      });
      pipeline.batchSize = 10;
      return pipeline;
    };
    const first = await runPipeline(build(failing), { stateDir });
    expect(first.status).toBe('failed');
    const logger = linesLogger();
    const second = await runPipeline(build(collectSink({ batchSize: 10 })), { stateDir, logger });
    expect(second.resumed).toBe(true);
    expect(logger.lines).toContain(
      `starting from the beginning (run ${first.runId} stopped before its first checkpoint)`,
    );
    expect(logger.lines.some((l) => l.includes('resuming') || l.includes('no checkpoint in the resumed lineage'))).toBe(
      false,
    );
  });
});

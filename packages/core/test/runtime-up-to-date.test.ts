import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  FatalError,
  hashSecret,
  pipelineFingerprint,
  readUpToDate,
  runPipeline,
  type Logger,
  type ResolvedPipeline,
  type SourcePlugin,
} from '@etl/core';
import { collectSink, memorySource, numberedRecords as numbers, resolvedPipeline, tempDir } from '@etl/testing';

/** A memory source whose input version the test controls; counts how often the runtime asks for it. */
function versionedSource(version: {
  current: string | undefined;
  asked: number;
}): SourcePlugin & { stats: { read: number; closed: number } } {
  const inner = memorySource(numbers(30), { batchSize: 10 });
  return Object.assign(inner, {
    inputVersion: async () => {
      version.asked++;
      return version.current;
    },
  });
}

interface Setup {
  version: { current: string | undefined; asked: number };
  sink: ReturnType<typeof collectSink>;
  source: ReturnType<typeof versionedSource>;
  pipeline: ResolvedPipeline;
}

function setup(
  version: Setup['version'],
  config: Record<string, unknown> = { table: 'names' },
  sink = collectSink({ batchSize: 10 }),
): Setup {
  const source = versionedSource(version);
  const pipeline = resolvedPipeline(
    'fresh-check',
    { src: { plugin: source }, out: { plugin: sink, input: 'src', config } },
    { secrets: ['s3cret-token'] },
  );
  return { version, sink, source, pipeline };
}

/** The fingerprint a run in `stateDir` computes (secrets hashed under that project's salt). */
const fingerprintIn = (stateDir: string, pipeline: ResolvedPipeline): string =>
  pipelineFingerprint(pipeline, (v) => hashSecret(stateDir, v));

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger: Logger & { lines: string[] } = {
    lines,
    debug: () => undefined,
    info: (message: string) => void lines.push(message),
    warn: (message: string) => void lines.push(message),
    error: (message: string) => void lines.push(message),
    child: () => logger,
  };
  return logger;
}

describe('runPipeline: up-to-date runs', () => {
  test('a second run with the same input and pipeline ends at once, reading and writing nothing', async () => {
    const stateDir = tempDir();
    const version = { current: 'v1', asked: 0 };
    const first = setup(version);
    const one = await runPipeline(first.pipeline, { stateDir });
    expect(one).toMatchObject({ status: 'succeeded', upToDate: false });
    expect(first.sink.log.records).toHaveLength(30);

    const second = setup(version);
    const logger = recordingLogger();
    const two = await runPipeline(second.pipeline, { stateDir, logger });
    expect(two).toMatchObject({ status: 'succeeded', upToDate: true, resumed: false });
    expect(two.error).toBeUndefined();
    expect(second.source.stats.read).toBe(0);
    expect(second.source.stats.closed).toBe(1); // what inputVersion() held is released though read() never ran
    expect(second.sink.log.setups).toBe(0);
    expect(second.sink.log.records).toHaveLength(0);
    for (const step of two.steps)
      expect([step.read, step.written, step.rejected, step.unchanged, step.filtered]).toEqual([0, 0, 0, 0, 0]);
    expect(logger.lines).toContain(
      `nothing to do: the input (v1) and the pipeline are unchanged since run ${one.runId}; use --fresh to run anyway`,
    );
    expect(version.asked).toBe(2);
    // The record still names the run that did the work.
    expect((await readUpToDate(join(stateDir, 'pipelines', 'fresh-check')))?.runId).toBe(one.runId);
  });

  test('a changed config, a changed secret or a changed input version runs again', async () => {
    const stateDir = tempDir();
    const version = { current: 'v1', asked: 0 };
    expect((await runPipeline(setup(version).pipeline, { stateDir })).upToDate).toBe(false);

    const changedConfig = setup(version, { table: 'other' });
    expect((await runPipeline(changedConfig.pipeline, { stateDir })).upToDate).toBe(false);
    expect(changedConfig.sink.log.records).toHaveLength(30);

    const changedSecret = setup(version, { table: 'other', token: 'other-token' });
    const before = fingerprintIn(stateDir, changedSecret.pipeline);
    expect((await runPipeline(changedSecret.pipeline, { stateDir })).upToDate).toBe(false);
    const sameSecret = setup(version, { table: 'other', token: 'other-token' });
    expect((await runPipeline(sameSecret.pipeline, { stateDir })).upToDate).toBe(true);

    version.current = 'v2';
    const changedInput = setup(version, { table: 'other', token: 'other-token' });
    expect((await runPipeline(changedInput.pipeline, { stateDir })).upToDate).toBe(false);
    expect(changedInput.source.stats.read).toBe(30);
    expect(fingerprintIn(stateDir, changedInput.pipeline)).toBe(before);
  });

  test('secrets change the fingerprint but never reach the state folder', async () => {
    const stateDir = tempDir();
    const a = setup({ current: 'v1', asked: 0 }, { token: 'xx s3cret-token xx' });
    const b = setup({ current: 'v1', asked: 0 }, { token: 'xx s3cret-tokem xx' });
    expect(fingerprintIn(stateDir, a.pipeline)).not.toBe(fingerprintIn(stateDir, b.pipeline));
    await runPipeline(a.pipeline, { stateDir });
    const text = readFileSync(join(stateDir, 'pipelines', 'fresh-check', 'up-to-date.json'), 'utf8');
    expect(text).not.toContain('s3cret');
    expect(JSON.parse(text)).toMatchObject({ fingerprint: fingerprintIn(stateDir, a.pipeline), inputVersion: 'v1' });
  });

  test('a failed run never counts: it clears the record, even when every write went through', async () => {
    const stateDir = tempDir();
    const version = { current: 'v1', asked: 0 };
    expect((await runPipeline(setup(version).pipeline, { stateDir })).status).toBe('succeeded');

    // Same input and pipeline, but --fresh so it runs, and the sink fails at the very end (close).
    const base = collectSink({ batchSize: 10 });
    const failing = Object.assign(base, {
      close: async () => {
        throw new FatalError('the sink could not publish its table', { code: 'TEST_CLOSE' });
      },
    });
    const failed = await runPipeline(setup(version, { table: 'names' }, failing).pipeline, { stateDir, fresh: true });
    expect(failed.status).toBe('failed');
    expect(await readUpToDate(join(stateDir, 'pipelines', 'fresh-check'))).toBeUndefined();

    const next = setup(version);
    const again = await runPipeline(next.pipeline, { stateDir });
    expect(again).toMatchObject({ status: 'succeeded', upToDate: false });
    expect(next.sink.log.setups).toBe(1);
    expect((await runPipeline(setup(version).pipeline, { stateDir })).upToDate).toBe(true);
  });

  test('--fresh runs everything and records the run; dry runs neither check nor record', async () => {
    const stateDir = tempDir();
    const version = { current: 'v1', asked: 0 };
    const dry = await runPipeline(setup(version).pipeline, { stateDir, dryRun: true });
    expect(dry.upToDate).toBe(false);
    expect(version.asked).toBe(0);
    expect(readdirSync(join(stateDir, 'pipelines', 'fresh-check'))).not.toContain('up-to-date.json');

    const one = await runPipeline(setup(version).pipeline, { stateDir });
    const forced = setup(version);
    const fresh = await runPipeline(forced.pipeline, { stateDir, fresh: true });
    expect(fresh).toMatchObject({ status: 'succeeded', upToDate: false });
    expect(forced.source.stats.read).toBe(30);
    expect(forced.sink.log.records).toHaveLength(30);
    const record = await readUpToDate(join(stateDir, 'pipelines', 'fresh-check'));
    expect(record?.runId).toBe(fresh.runId);
    expect(record?.runId).not.toBe(one.runId);
    expect((await runPipeline(setup(version).pipeline, { stateDir })).upToDate).toBe(true);
  });

  test('a source without an input version (or one returning undefined) always reads', async () => {
    const stateDir = tempDir();
    const version = { current: undefined, asked: 0 };
    await runPipeline(setup(version).pipeline, { stateDir });
    const second = setup(version);
    expect((await runPipeline(second.pipeline, { stateDir })).upToDate).toBe(false);
    expect(second.sink.log.records).toHaveLength(30);

    const plain = () =>
      resolvedPipeline('plain', {
        src: { plugin: memorySource(numbers(5)) },
        out: { plugin: collectSink(), input: 'src' },
      });
    await runPipeline(plain(), { stateDir });
    expect((await runPipeline(plain(), { stateDir })).upToDate).toBe(false);
  });
});

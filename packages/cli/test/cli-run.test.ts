import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunSummary } from '@etl/core';
import { buildCli, etl, makeProject, readLines, removeProjects } from './helpers.js';

beforeAll(buildCli, 600_000);
afterAll(removeProjects);

const counts = (summary: RunSummary) =>
  Object.fromEntries(summary.steps.map((s) => [s.step, [s.read, s.written, s.rejected, s.filtered]]));

describe('etl run', { timeout: 240_000 }, () => {
  test('--json prints one summary object; the sinks got every record', async () => {
    const project = makeProject();
    const r = await etl(['run', 'numbers', '--json'], { cwd: project });
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as RunSummary;
    expect(summary).toMatchObject({ pipeline: 'numbers', status: 'succeeded', dryRun: false, resumed: false });
    expect(Object.keys(summary).sort()).toEqual(
      [
        'runId',
        'pipeline',
        'status',
        'resumed',
        'lineage',
        'fresh',
        'dryRun',
        'upToDate',
        'startedAt',
        'finishedAt',
        'durationMs',
        'steps',
        'runDir',
        'rejectsFile',
        'logFile',
      ].sort(),
    );
    expect(counts(summary)).toEqual({
      source: [20, 20, 0, 0],
      typed: [20, 20, 0, 0],
      recent: [20, 20, 0, 0],
      out: [20, 20, 0, 0],
      distinct: [20, 4, 0, 16],
      names: [4, 4, 0, 0],
    });
    expect(readLines(join(project, 'out.jsonl')).map((x) => x.id)).toEqual([...Array(20).keys()]);
    expect(readLines(join(project, 'names.jsonl')).map((x) => x.name)).toEqual([
      'Name 0',
      'Name 1',
      'Name 2',
      'Name 3',
    ]);
    expect(existsSync(summary.logFile)).toBe(true);
  });

  test('without --json and without a terminal: the summary table on stdout, no progress line', async () => {
    const project = makeProject();
    const r = await etl(['run', 'numbers', '--profile', 'small'], { cwd: project });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Run \S+ of numbers \(profile small\) succeeded in /);
    expect(r.stdout).toMatch(/^step +plugin +read +written +rejected +unchanged +filtered +time$/m);
    expect(r.stdout).toMatch(/^distinct +dedupe +3 +3 +0 +0 +0 /m);
    expect(r.stdout).toMatch(/^Log: \.etl\/runs\/\S+\/run\.log$/m);
    expect(r.stderr).not.toContain('\r');
  });

  // Needs `plugin: step.plugin.name` in toStepSummary (packages/core/src/runtime/run-pipeline.ts), which builds the column.
  test("the summary's plugin column names each plugin by its name, also one loaded by path", async () => {
    const project = makeProject();
    const r = await etl(['run', 'numbers', '--profile', 'small'], { cwd: project });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^source +counter +3 +3 +0 /m);
    expect(r.stdout).toMatch(/^out +file +3 +3 +0 /m);
    expect(r.stdout).toMatch(/^typed +validate +3 /m);
    expect(r.stdout).not.toContain('../plugins/');
    const json = JSON.parse(
      (await etl(['run', 'numbers', '--profile', 'small', '--fresh', '--json'], { cwd: project })).stdout,
    ) as RunSummary;
    expect(json.steps.map((s) => s.plugin)).toEqual(['counter', 'validate', 'filter', 'file', 'dedupe', 'file']);
  });

  test('an unchanged input and pipeline: the second run says "nothing to do" instead of the table; --fresh runs', async () => {
    const project = makeProject();
    const args = ['run', 'numbers', '--set', 'steps.source.config.version=v7'];
    const first = JSON.parse((await etl([...args, '--json'], { cwd: project })).stdout) as RunSummary;
    expect(first).toMatchObject({ status: 'succeeded', upToDate: false });

    const second = await etl(args, { cwd: project });
    expect(second.code).toBe(0);
    expect(second.stdout.trim()).toBe(
      `nothing to do: the input (v7) and the pipeline are unchanged since run ${first.runId}; use --fresh to run anyway`,
    );
    const third = JSON.parse((await etl([...args, '--json'], { cwd: project })).stdout) as RunSummary;
    expect(third).toMatchObject({ status: 'succeeded', upToDate: true });
    expect(counts(third).source).toEqual([0, 0, 0, 0]);

    const fresh = JSON.parse((await etl([...args, '--fresh', '--json'], { cwd: project })).stdout) as RunSummary;
    expect(fresh).toMatchObject({ status: 'succeeded', upToDate: false });
    expect(counts(fresh).out).toEqual([20, 20, 0, 0]);
    const changed = JSON.parse(
      (await etl(['run', 'numbers', '--set', 'steps.source.config.version=v8', '--json'], { cwd: project })).stdout,
    ) as RunSummary;
    expect(changed).toMatchObject({ status: 'succeeded', upToDate: false });
    expect(counts(changed).source).toEqual([20, 20, 0, 0]);
  });

  test('--dry-run writes nothing', async () => {
    const project = makeProject();
    const r = await etl(['run', 'numbers', '--dry-run', '--json'], { cwd: project });
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as RunSummary;
    expect(summary.dryRun).toBe(true);
    expect(summary.steps.find((s) => s.step === 'source')!.read).toBe(20);
    expect(existsSync(join(project, 'out.jsonl'))).toBe(false);
  });

  test('--skip leaves a step and the steps that read only from it out; --set and env values override', async () => {
    const project = makeProject();
    const r = await etl(['run', 'numbers', '--skip', 'distinct', '--set', 'steps.source.config.count=7', '--json'], {
      cwd: project,
      env: { MIN_YEAR: '1903' },
    });
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as RunSummary;
    expect(summary.steps.map((s) => s.step)).toEqual(['source', 'typed', 'recent', 'out']);
    expect(counts(summary).recent).toEqual([7, 4, 0, 3]);
    expect(readLines(join(project, 'out.jsonl')).map((x) => x.id)).toEqual([3, 4, 5, 6]);
    expect(existsSync(join(project, 'names.jsonl'))).toBe(false);
  });

  test('an invalid --set stops before running with exit 3 and the location', async () => {
    const project = makeProject();
    const r = await etl(['run', 'numbers', '--set', 'steps.source.config.count=lots'], { cwd: project });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('steps.source.config.count: must be integer');
    expect(r.stderr).toContain('Code: CONFIG_INVALID');
    expect(r.stderr).toContain('Try this:');
    expect(existsSync(join(project, 'out.jsonl'))).toBe(false);
  });

  test('a fatal error in a sink: exit 5, a readable error, secrets masked, no stack trace', async () => {
    const project = makeProject();
    const r = await etl(['run', 'numbers', '--set', 'steps.out.config.failOnBatch=2'], {
      cwd: project,
      env: { FILE_TOKEN: 'sekret-token-4242' },
    });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('disk refused the write with credential ***');
    expect(r.stderr).toMatch(/^Code: \w+$/m);
    expect(r.stdout + r.stderr).not.toContain('sekret-token-4242');
    expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(r.stdout).toContain('failed');
  });

  test('--fail-on-rejects exits 8 when records were rejected; runs and runs show report them', async () => {
    const project = makeProject();
    const r = await etl(['run', 'numbers', '--set', 'steps.source.config.badEvery=5', '--fail-on-rejects', '--json'], {
      cwd: project,
    });
    expect(r.code).toBe(8);
    const summary = JSON.parse(r.stdout) as RunSummary;
    expect(counts(summary).typed).toEqual([20, 16, 4, 0]);
    const rejects = readLines(summary.rejectsFile);
    expect(rejects.map((x) => [x.step, x.location, x.reason])).toEqual([
      ['typed', 'counter:4', 'year: 19x4 is not an integer'],
      ['typed', 'counter:9', 'year: 19x9 is not an integer'],
      ['typed', 'counter:14', 'year: 19x14 is not an integer'],
      ['typed', 'counter:19', 'year: 19x19 is not an integer'],
    ]);

    const list = await etl(['runs', '--json'], { cwd: project });
    expect(list.code).toBe(0);
    const runs = JSON.parse(list.stdout);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      runId: summary.runId,
      pipeline: 'numbers',
      status: 'succeeded',
      read: 20,
      rejected: 4,
    });

    const table = await etl(['runs', 'numbers'], { cwd: project });
    expect(table.stdout).toMatch(new RegExp(`^${summary.runId} +\\S+ \\S+ +numbers +succeeded +20 +`, 'm'));

    const show = await etl(['runs', 'show', summary.runId], { cwd: project });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('Rejected: 4');
    expect(show.stdout).toMatch(/^typed: 4$/m);
    expect(show.stdout).toMatch(/^ +4 +year: … is not an integer +counter:4$/m);

    const missing = await etl(['runs', 'show', 'no-such-run'], { cwd: project });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No run no-such-run');
    expect(missing.stderr).toContain(`Recent runs: ${summary.runId}`);
  });

  test('check: each step, exit 7 when one fails', async () => {
    const project = makeProject();
    const ok = await etl(['check', 'numbers'], { cwd: project });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('✓ out (../plugins/file-sink.js): can write out.jsonl');
    expect(ok.stdout).toContain('- typed (validate): ');
    const bad = await etl(['check', 'numbers', '--set', 'steps.names.config.checkOk=false', '--json'], {
      cwd: project,
    });
    expect(bad.code).toBe(7);
    const out = JSON.parse(bad.stdout);
    expect(out.ok).toBe(false);
    expect(out.steps.find((s: { step: string }) => s.step === 'names')).toMatchObject({
      ok: false,
      message: 'cannot write names.jsonl',
    });
  });

  test('migrate calls each sink that has migrations', async () => {
    const project = makeProject();
    const r = await etl(['migrate', 'numbers', 'up'], { cwd: project });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'out (../plugins/file-sink.js):\n  applied now: 002-index\n  applied: 001-create\n  pending: none',
    );
    const status = await etl(['migrate', 'numbers', '--json'], { cwd: project });
    expect(
      JSON.parse(status.stdout).steps.map((s: { step: string; report: { pending: string[] } }) => [
        s.step,
        s.report.pending,
      ]),
    ).toEqual([
      ['out', ['002-index']],
      ['names', ['002-index']],
    ]);
  });
});

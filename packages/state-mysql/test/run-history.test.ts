/**
 * The shared run history's progress (`etl_runs.progress`): a running run's counters reach every reader, a finished
 * run's list entry carries its summary only (its page keeps the samples), and a database set up before the column
 * existed gets it on first use.
 */
import type { RunProgress, RunSummary, SharedStateStore } from '@etl/core';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openMysqlStateStore } from '../src/index.js';
import { testDatabase } from './helpers.js';

const db = testDatabase();
let shared: SharedStateStore;

beforeAll(async () => {
  // An `etl_runs` as the first version of this package made it: no progress column.
  const connection = await mysql.createConnection(db.url.replace(/\/[^/]+$/, ''));
  const name = db.url.split('/').pop()!;
  await connection.query(`CREATE DATABASE \`${name}\``);
  await connection.query(
    `CREATE TABLE \`${name}\`.etl_runs (run_id VARCHAR(64) NOT NULL PRIMARY KEY, pipeline VARCHAR(255) NOT NULL,
     profile VARCHAR(255) NULL, host VARCHAR(255) NOT NULL, status VARCHAR(32) NOT NULL, started_at VARCHAR(32) NOT NULL,
     finished_at VARCHAR(32) NULL, dir TEXT NOT NULL, summary LONGTEXT NULL)`,
  );
  await connection.end();
  shared = await openMysqlStateStore(db.url);
});
afterAll(async () => {
  await shared?.close();
  await db.drop();
});

const progressOf = (written: number): RunProgress => ({
  updatedAt: new Date().toISOString(),
  steps: { sink: { kind: 'sink', read: written, written, rejected: 0, unchanged: 0, filtered: 0 } },
  samples: [{ at: new Date().toISOString(), written: { sink: written } }],
});

test('progress of a running run is read back by list and get; once finished, by get alone', async () => {
  const runId = '20261130-080000-0001';
  const startedAt = new Date().toISOString();
  // Progress before `start` (the run had not taken its lock yet) records nothing.
  await shared.runs.progress(runId, progressOf(1));
  expect(await shared.runs.get(runId)).toBeUndefined();

  await shared.runs.start({ runId, pipeline: 'p', host: 'worker-2', startedAt, dir: `/srv/etl/.etl/runs/${runId}` });
  await shared.runs.progress(runId, progressOf(10));
  await shared.runs.progress(runId, progressOf(20));
  expect((await shared.runs.get(runId))?.progress?.steps.sink?.written).toBe(20);
  const [listed] = await shared.runs.list('p');
  expect(listed).toMatchObject({ runId, host: 'worker-2', status: 'unfinished' });
  expect(listed?.progress?.samples.at(-1)?.written.sink).toBe(20);

  const summary = { runId, pipeline: 'p', status: 'succeeded', startedAt, finishedAt: startedAt, steps: [] };
  await shared.runs.finish(runId, summary as unknown as RunSummary);
  await shared.runs.progress(runId, progressOf(30)); // a late write after the end changes nothing
  const finished = await shared.runs.get(runId);
  expect(finished).toMatchObject({ status: 'succeeded', summary: { status: 'succeeded' } });
  expect(finished?.progress?.steps.sink?.written).toBe(20);
  expect((await shared.runs.list('p'))[0]?.progress).toBeUndefined();
});

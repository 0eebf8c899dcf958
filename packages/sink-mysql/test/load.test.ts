import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataRecord, RunOutcome, SinkBatch, WriteResult } from '@etl/core';
import mysqlSink, { type MysqlSinkConfig } from '@etl/sink-mysql';
import { configOf, readSample, testContext, testDatabase, toBatches } from './helpers.js';

type Db = Awaited<ReturnType<typeof testDatabase>>;

/** Drives the sink as the runtime would: setup, optional restore, writes, close. */
async function run(
  config: MysqlSinkConfig,
  batches: SinkBatch[],
  opts: { outcome?: RunOutcome; resume?: boolean } = {},
) {
  const sink = mysqlSink();
  const ctx = testContext();
  await sink.setup!(ctx, config);
  const restored = opts.resume ? await sink.restore!(ctx, config) : undefined;
  const results: WriteResult[] = [];
  try {
    for (const batch of batches) results.push(await sink.write(ctx, config, batch));
  } finally {
    await sink.close!(ctx, config, opts.outcome ?? 'succeeded');
  }
  const sum = (f: (r: WriteResult) => number) => results.reduce((n, r) => n + f(r), 0);
  return {
    restored,
    results,
    written: sum((r) => r.written),
    unchanged: sum((r) => r.unchanged ?? 0),
    rejected: sum((r) => r.rejects?.length ?? 0),
    inserted: sum((r) => r.details?.inserted ?? 0),
    updated: sum((r) => r.details?.updated ?? 0),
    rejects: results.flatMap((r) => r.rejects ?? []),
  };
}

const sample = readSample();

describe.each(['load-data', 'insert'] as const)('loading with method %s', (method) => {
  let db: Db;
  beforeAll(async () => {
    db = await testDatabase(method.replace('-', ''));
  });
  afterAll(async () => db?.drop());

  it('loads every row, then a second load of the same input changes nothing', async () => {
    const config = configOf({ url: db.url, method });
    const first = await run(config, toBatches(sample, 700));
    expect(first).toMatchObject({ written: sample.length, inserted: sample.length, unchanged: 0, rejected: 0 });
    const before = await db.fingerprint();
    expect(before.rows).toBe(sample.length);
    // The table was empty, so its secondary index was built after the rows: it is back, and the comment is its own.
    const shape = await db.shape();
    expect(shape).toContain('KEY `idx_baby_names_name_sex` (`name`,`sex`)');
    expect(shape).not.toContain('etl:deferred-indexes');

    const second = await run(config, toBatches(sample, 1000));
    expect(second).toMatchObject({ written: 0, unchanged: sample.length, rejected: 0 });
    expect(await db.fingerprint()).toEqual(before);
  });

  it('updates changed rows in place, inserts new ones, and counts each kind', async () => {
    const config = configOf({ url: db.url, method });
    const changed = sample.slice(0, 50).map((r) => ({ ...r, count: (r.count as number) + 1 }));
    const fresh = [{ year: 2099, name: 'Zyxandra', sex: 'F', count: 5 }];
    const idsBefore = await db.query<Array<{ id: number }>>(
      `SELECT id FROM \`${db.name}\`.baby_names ORDER BY id LIMIT 50`,
    );
    const result = await run(config, toBatches([...changed, ...sample.slice(50, 100), ...fresh], 40));
    expect(result).toMatchObject({ inserted: 1, updated: 50, unchanged: 50, written: 51, rejected: 0 });
    const rows = await db.query<Array<{ id: number; count: number }>>(
      `SELECT id, count FROM \`${db.name}\`.baby_names ORDER BY id LIMIT 50`,
    );
    expect(rows.map((r) => r.id)).toEqual(idsBefore.map((r) => r.id));
    expect(rows.map((r) => r.count)).toEqual(changed.map((r) => r.count));
  });

  it('insert-ignore keeps existing rows as they are', async () => {
    const config = configOf({ url: db.url, method, mode: 'insert-ignore' as const });
    const where = `WHERE year_of_birth = ${Number(sample[0].year)} AND name = '${String(sample[0].name)}' AND sex = '${String(sample[0].sex)}'`;
    const [before] = await db.query<Array<{ count: number }>>(`SELECT count FROM \`${db.name}\`.baby_names ${where}`);
    const changed = sample.slice(0, 10).map((r) => ({ ...r, count: 1 }));
    const result = await run(config, toBatches([...changed, { year: 2098, name: 'Qwerty', sex: 'M', count: 3 }], 100));
    expect(result).toMatchObject({ inserted: 1, written: 1, unchanged: 10, rejected: 0 });
    const [after] = await db.query<Array<{ count: number }>>(`SELECT count FROM \`${db.name}\`.baby_names ${where}`);
    expect(after.count).toBe(before.count);
    expect(after.count).not.toBe(1);
  });

  it('rejects the rows the database refuses, with its reason and their location, while the rest land', async () => {
    const config = configOf({ url: db.url, method });
    const records: DataRecord[] = [
      { year: 2097, name: 'Good', sex: 'F', count: 1 },
      { year: 2097, name: 'X'.repeat(80), sex: 'F', count: 1 },
      { year: 2097, name: 'Neg', sex: 'F', count: -4 },
      { year: 2097, name: 'NoSex', count: 2 },
      { year: 2097, name: 'Tab\there\\and "quotes"\nnewline', sex: 'M', count: 9 },
      { year: 2097, name: 'AlsoGood', sex: 'M', count: 7 },
    ];
    const result = await run(config, toBatches(records, 100, 'odd.csv'));
    expect(result).toMatchObject({ written: 3, unchanged: 0, rejected: 3 });
    expect(result.rejects.map((r) => r.location)).toEqual(['odd.csv:3', 'odd.csv:4', 'odd.csv:5']);
    expect(result.rejects[0].reason).toMatch(/ER_DATA_TOO_LONG.*name/);
    expect(result.rejects[1].reason).toMatch(/out of range.*count/i);
    expect(result.rejects[2].reason).toMatch(/ER_BAD_NULL_ERROR.*sex/);
    expect(result.rejects[0].record).toEqual(records[1]);
    const names = await db.query<Array<{ name: string }>>(
      `SELECT name FROM \`${db.name}\`.baby_names WHERE year_of_birth = 2097 ORDER BY id`,
    );
    expect(names.map((r) => r.name)).toEqual(['Good', 'Tab\there\\and "quotes"\nnewline', 'AlsoGood']);
  });
});

describe('checkpoints and replace-all', () => {
  let db: Db;
  beforeAll(async () => {
    db = await testDatabase('replace');
  });
  afterAll(async () => db?.drop());

  it('restore() returns the token committed with the last batch', async () => {
    const config = configOf({ url: db.url });
    const batches = toBatches(sample.slice(0, 900), 300);
    await run(config, batches);
    const again = await run(config, [], { resume: true });
    expect(again.restored).toEqual(batches[2].checkpoint);
    const [row] = await db.query<Array<{ token: string }>>(
      `SELECT token FROM \`${db.name}\`.etl_checkpoints WHERE pipeline = 'babynames' AND step = 'mysql'`,
    );
    expect(JSON.parse(row.token)).toEqual(batches[2].checkpoint);
  });

  it('replace-all shows the new content only when the run succeeds', async () => {
    const config = configOf({ url: db.url, mode: 'replace-all' as const });
    const before = await db.fingerprint();
    expect(before.rows).toBe(900);
    const next = sample.slice(1000, 1600);

    // Fails half way: the table still holds the old rows.
    await run(config, toBatches(next, 200).slice(0, 2), { outcome: 'failed' });
    expect(await db.fingerprint()).toEqual(before);

    // Resumed: keeps loading the same shadow table, then swaps it in.
    const resumed = await run(config, toBatches(next, 200).slice(2), { resume: true });
    expect(resumed.restored).toEqual(toBatches(next, 200)[1].checkpoint);
    const after = await db.fingerprint();
    expect(after.rows).toBe(600);
    const direct = await db.query<Array<{ n: number }>>(
      `SELECT COUNT(*) AS n FROM \`${db.name}\`.baby_names WHERE (year_of_birth, name, sex) IN (${next.map(() => '(?,?,?)').join(',')})`,
      next.flatMap((r) => [r.year, r.name, r.sex]),
    );
    expect(Number(direct[0].n)).toBe(600);
    const leftovers = await db.query<unknown[]>(
      'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE ?',
      [db.name, '%\\_\\_etl\\_%'],
    );
    expect(leftovers).toEqual([]);
  });

  it('a fresh replace-all run that is interrupted leaves the table untouched', async () => {
    const before = await db.fingerprint();
    await run(configOf({ url: db.url, mode: 'replace-all' }), toBatches(sample.slice(0, 100), 50), {
      outcome: 'interrupted',
    });
    expect(await db.fingerprint()).toEqual(before);
  });

  it('a dry run connects but writes nothing', async () => {
    const before = await db.fingerprint();
    const sink = mysqlSink();
    const logs: string[] = [];
    const ctx = testContext({ dryRun: true, logs });
    const config = configOf({ url: db.url });
    await sink.setup!(ctx, config);
    expect(logs.join('\n')).toContain(`would write to 127.0.0.1:3306/${db.name} table baby_names (upsert)`);
    const result = await sink.write(ctx, config, toBatches([{ year: 2096, name: 'Dry', sex: 'F', count: 1 }], 10)[0]);
    await sink.close!(ctx, config, 'succeeded');
    expect(result).toEqual({ written: 1, details: { wouldWrite: 1 } });
    expect(await db.fingerprint()).toEqual(before);
  });

  it('a dry run against a missing database creates nothing, and says what it would do', async () => {
    const logs: string[] = [];
    const sink = mysqlSink();
    const ctx = testContext({ dryRun: true, logs });
    const config = configOf({ url: `${db.url}_dry` });
    await sink.setup!(ctx, config);
    await sink.close!(ctx, config, 'succeeded');
    expect(logs.join('\n')).toContain(`would create database ${db.name}_dry`);
    const schemas = await db.query<unknown[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
      `${db.name}_dry`,
    ]);
    expect(schemas).toEqual([]);
  });
});

describe('replace-all across stops and restarts', () => {
  let db: Db;
  beforeAll(async () => {
    db = await testDatabase('swap');
  });
  afterAll(async () => db?.drop());

  it('a resumed run after a completed swap publishes nothing, and a later fresh run starts a new shadow', async () => {
    const config = configOf({ url: db.url, mode: 'replace-all' as const });
    await run(config, toBatches(sample.slice(0, 300), 100));
    const loaded = await db.fingerprint();
    expect(loaded.rows).toBe(300);
    // Stopped after the swap but before the runtime recorded success: the resume has nothing left to write.
    await run(config, [], { resume: true });
    expect(await db.fingerprint()).toEqual(loaded);
    // A resumed run that does receive rows (its token's shadow was already published) loads into a new shadow.
    await run(config, toBatches(sample.slice(300, 350), 50), { resume: true });
    expect((await db.fingerprint()).rows).toBe(50);
    // A fresh run without rows publishes an empty table.
    await run(config, []);
    expect((await db.fingerprint()).rows).toBe(0);
  });
});

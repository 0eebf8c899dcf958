import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysqlSink, { MIGRATIONS_TABLE } from '@etl/sink-mysql';
import { configOf, testContext, testDatabase } from './helpers.js';

const ALL = [
  'CreateEtlCheckpoints1732900000000',
  'CreateBabyNames1732900000001',
  'KeyEtlCheckpointsByTable1732900000002',
];

describe('migrations on MariaDB', () => {
  let db: Awaited<ReturnType<typeof testDatabase>>;
  const sink = mysqlSink();
  const ctx = testContext();
  beforeAll(async () => {
    db = await testDatabase('migrate');
  });
  afterAll(async () => db?.drop());

  it('up creates the database and applies everything pending; status then lists it as applied', async () => {
    const config = configOf({ url: db.url });
    const up = await sink.migrate!(ctx, config, 'up');
    expect(up).toEqual({ applied: [], pending: ALL, ran: ALL });
    expect(await sink.migrate!(ctx, config, 'status')).toEqual({ applied: ALL, pending: [], ran: [] });
    const recorded = await db.query<Array<{ name: string }>>(
      `SELECT name FROM \`${db.name}\`.${MIGRATIONS_TABLE} ORDER BY id`,
    );
    expect(recorded.map((r) => r.name)).toEqual(ALL);
  });

  it('creates baby_names with typed columns, the unique key and the name+sex index', async () => {
    const cols = await db.query<Array<{ COLUMN_NAME: string; COLUMN_TYPE: string; IS_NULLABLE: string }>>(
      'SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [db.name, 'baby_names'],
    );
    expect(cols.map((c) => `${c.COLUMN_NAME} ${c.COLUMN_TYPE} ${c.IS_NULLABLE}`)).toEqual([
      'id bigint(20) unsigned NO',
      'year_of_birth smallint(5) unsigned NO',
      'name varchar(64) NO',
      'sex char(1) NO',
      'count int(10) unsigned NO',
      'created_at timestamp NO',
      'updated_at timestamp NO',
    ]);
    const idx = await db.query<Array<{ INDEX_NAME: string; NON_UNIQUE: number; cols: string }>>(
      `SELECT INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS cols FROM information_schema.STATISTICS
       WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'baby_names' GROUP BY INDEX_NAME, NON_UNIQUE ORDER BY INDEX_NAME`,
      [db.name],
    );
    expect(
      idx.map((i) => `${i.INDEX_NAME} ${Number(i.NON_UNIQUE) === 0 ? 'unique' : 'index'} ${i.cols}`).sort(),
    ).toEqual([
      'PRIMARY unique id',
      'idx_baby_names_name_sex index name,sex',
      'uq_baby_names_year_name_sex unique year_of_birth,name,sex',
    ]);
  });

  it('down reverts only the last migration (the checkpoint key goes back to pipeline + step), and up re-applies it', async () => {
    const config = configOf({ url: db.url });
    const primaryKey = async () =>
      (
        await db.query<Array<{ COLUMN_NAME: string }>>(
          "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'etl_checkpoints' AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
          [db.name],
        )
      ).map((r) => r.COLUMN_NAME);
    expect(await primaryKey()).toEqual(['pipeline', 'step', 'table_name']);
    // Two tables loaded by one step: down keeps the most recent row of the two.
    await db.query(
      `INSERT INTO \`${db.name}\`.etl_checkpoints (pipeline, step, table_name, token, updated_at) VALUES
       ('p', 's', 'a', '1', '2020-01-01 00:00:00'), ('p', 's', 'b', '2', '2021-01-01 00:00:00')`,
    );
    const down = await sink.migrate!(ctx, config, 'down');
    expect(down).toEqual({ applied: ALL, pending: [], ran: [ALL[2]] });
    expect(await primaryKey()).toEqual(['pipeline', 'step']);
    expect(await db.query(`SELECT token FROM \`${db.name}\`.etl_checkpoints WHERE pipeline = 'p'`)).toEqual([
      { token: '2' },
    ]);
    expect(await sink.migrate!(ctx, config, 'status')).toEqual({
      applied: ALL.slice(0, 2),
      pending: [ALL[2]],
      ran: [],
    });
    expect((await sink.migrate!(ctx, config, 'up')).ran).toEqual([ALL[2]]);
    expect(await primaryKey()).toEqual(['pipeline', 'step', 'table_name']);
    expect(await db.query(`SELECT table_name, token FROM \`${db.name}\`.etl_checkpoints WHERE pipeline = 'p'`)).toEqual(
      [{ table_name: '', token: '2' }],
    );
  });

  it('runs a user folder of compiled migrations after the built-in ones', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/etl-user-migrations-`);
    writeFileSync(
      `${dir}/1800000000000-create-cities.mjs`,
      `export class CreateCities1800000000000 {
        name = 'CreateCities1800000000000';
        async up(q) { await q.query('CREATE TABLE cities (code CHAR(3) NOT NULL PRIMARY KEY, label VARCHAR(40) NOT NULL)'); }
        async down(q) { await q.query('DROP TABLE cities'); }
      }\n`,
    );
    const config = configOf({
      url: db.url,
      table: 'cities',
      columns: { code: 'code', label: 'label' },
      migrations: { dir },
    });
    expect((await sink.migrate!(ctx, config, 'status')).pending).toEqual(['CreateCities1800000000000']);
    // setup runs pending migrations by itself (migrations.auto defaults to true) and then writes to the user's table.
    await sink.setup!(ctx, config);
    const result = await sink.write(ctx, config, {
      records: [
        { code: 'PAR', label: 'Paris' },
        { code: 'OSL', label: 'Oslo' },
      ],
      refs: [
        { seq: 0, index: 0 },
        { seq: 0, index: 1 },
      ],
      locate: (i) => `cities.csv:${i + 2}`,
      checkpoint: 1,
    });
    await sink.close!(ctx, config, 'succeeded');
    expect(result.written).toBe(2);
    expect(await db.query(`SELECT code, label FROM \`${db.name}\`.cities ORDER BY code`)).toEqual([
      { code: 'OSL', label: 'Oslo' },
      { code: 'PAR', label: 'Paris' },
    ]);
  });
});

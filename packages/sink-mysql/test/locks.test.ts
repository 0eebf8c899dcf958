import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FatalError, type DataRecord, type RunOutcome, type SinkBatch } from '@etl/core';
import mysqlSink, { shadowName, tableLockName, type MysqlSinkConfigInput } from '@etl/sink-mysql';
import { configOf, readSample, ROOT_URL, testContext, testDatabase, toBatches } from './helpers.js';

type Db = Awaited<ReturnType<typeof testDatabase>>;
const sample = readSample();

/** Batches whose tokens carry a lineage, as the runtime's do. */
const lineageBatches = (records: DataRecord[], size: number, lineage: string): SinkBatch[] =>
  toBatches(records, size).map((b) => ({ ...b, checkpoint: { lineage, ...(b.checkpoint as object) } }));

/** One run of the sink in a lineage: setup, optional restore, writes, close. */
async function run(
  input: MysqlSinkConfigInput,
  lineage: string,
  batches: SinkBatch[],
  opts: { outcome?: RunOutcome; resume?: boolean } = {},
) {
  const config = configOf(input);
  const sink = mysqlSink();
  const ctx = testContext({ lineage, runId: `run-${Math.random()}` });
  await sink.setup!(ctx, config);
  const restored = opts.resume ? await sink.restore!(ctx, config) : undefined;
  try {
    for (const batch of batches) await sink.write(ctx, config, batch);
  } finally {
    await sink.close!(ctx, config, opts.outcome ?? 'succeeded');
  }
  return restored;
}

const setupError = async (input: MysqlSinkConfigInput) => {
  const config = configOf(input);
  const sink = mysqlSink();
  const ctx = testContext();
  return sink.setup!(ctx, config).then(
    async () => {
      await sink.close!(ctx, config, 'failed');
      return undefined;
    },
    (e: unknown) => e as FatalError,
  );
};

describe('destination', () => {
  it('names host, port, database and table, never the user or password, without connecting', async () => {
    const sink = mysqlSink();
    const started = Date.now();
    // Port 1 on a reserved address: any connection attempt would fail or hang.
    const config = configOf({ url: 'mysql://loader:hunter2@DB.Example.test:1/shop', table: 'orders' });
    const destination = await sink.destination!(testContext(), config);
    expect(destination).toEqual({
      id: 'mysql://db.example.test:1/shop/orders',
      label: 'table orders in DB.Example.test:1/shop',
    });
    expect(JSON.stringify(destination)).not.toMatch(/loader|hunter2/);
    expect(Date.now() - started).toBeLessThan(500);
    expect((await sink.destination!(testContext(), configOf({ url: 'mysql://root@127.0.0.1:3306/etl' }))).id).toBe(
      'mysql://127.0.0.1:3306/etl/baby_names',
    );
  });
});

describe('checkpoint rows keyed by database and table', () => {
  let first: Db;
  let second: Db;
  beforeAll(async () => {
    first = await testDatabase('keyone');
    second = await testDatabase('keytwo');
  });
  afterAll(async () => {
    await first?.drop();
    await second?.drop();
  });

  it('another MYSQL_URL (another database) starts clean while the first keeps its token', async () => {
    const batches = toBatches(sample.slice(0, 200), 100);
    await run({ url: first.url }, 'L', batches);
    expect(await run({ url: second.url }, 'L', [], { resume: true })).toBeUndefined();
    expect(await run({ url: first.url }, 'L', [], { resume: true })).toEqual(batches[1].checkpoint);
    expect(await run({ url: second.url }, 'L', [], { resume: true })).toBeUndefined();
  });

  it('two tables loaded by one step keep separate rows', async () => {
    await first.query(`CREATE TABLE \`${first.name}\`.names_copy LIKE \`${first.name}\`.baby_names`);
    const copy = {
      url: first.url,
      table: 'names_copy',
      columns: { year: 'year_of_birth', name: 'name', sex: 'sex', count: 'count' },
      key: ['year_of_birth', 'name', 'sex'],
    };
    expect(await run(copy, 'L', [], { resume: true })).toBeUndefined();
    const batches = toBatches(sample.slice(0, 50), 50);
    await run(copy, 'L', batches);
    expect(await run(copy, 'L', [], { resume: true })).toEqual(batches[0].checkpoint);
    expect(await run({ url: first.url }, 'L', [], { resume: true })).toEqual({ seq: 1, last: 200 });
    const rows = await first.query<Array<{ table_name: string }>>(
      `SELECT table_name FROM \`${first.name}\`.etl_checkpoints ORDER BY table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(['baby_names', 'names_copy']);
  });
});

describe('advisory lock on database + table', () => {
  let db: Db;
  beforeAll(async () => {
    db = await testDatabase('lock');
  });
  afterAll(async () => db?.drop());

  it('a second load of the same table fails at setup, naming the table and the holder; close releases it', async () => {
    const config = configOf({ url: db.url });
    const holder = mysqlSink();
    const ctx = testContext();
    await holder.setup!(ctx, config);
    const [[{ id }]] = (await db.admin.query('SELECT IS_USED_LOCK(?) AS id', [
      tableLockName(db.name, 'baby_names'),
    ])) as unknown as [[{ id: number }]];
    expect(Number(id)).toBeGreaterThan(0);

    const error = await setupError(config);
    expect(error).toBeInstanceOf(FatalError);
    expect(error?.code).toBe('MYSQL_TABLE_LOCKED');
    expect(error?.message).toContain(`table baby_names in 127.0.0.1:3306/${db.name}`);
    expect(error?.message).toContain(`MySQL connection ${id} holds`);
    expect(error?.suggestions.join(' ')).toContain(`KILL ${id}`);
    // Another table of the same database, and dry runs, are not held up.
    await db.query(`CREATE TABLE \`${db.name}\`.other LIKE \`${db.name}\`.baby_names`);
    expect(
      await setupError({
        url: db.url,
        table: 'other',
        columns: { name: 'name' },
        key: ['year_of_birth', 'name', 'sex'],
      }),
    ).toBeUndefined();
    const dry = mysqlSink();
    const dryCtx = testContext({ dryRun: true });
    await dry.setup!(dryCtx, config);
    await dry.close!(dryCtx, config, 'succeeded');

    await holder.write(ctx, config, toBatches(sample.slice(0, 10), 10)[0]);
    await holder.close!(ctx, config, 'succeeded');
    expect(await setupError(config)).toBeUndefined();
  });

  it("a crashed process's lock goes away with its connection", async () => {
    const crashed = await mysql.createConnection({ uri: ROOT_URL });
    await crashed.query('SELECT GET_LOCK(?, 0)', [tableLockName(db.name, 'baby_names')]);
    expect((await setupError({ url: db.url }))?.code).toBe('MYSQL_TABLE_LOCKED');
    crashed.destroy(); // the socket closes without RELEASE_LOCK, as when a process is killed
    let error: FatalError | undefined;
    for (let i = 0; i < 50; i++) {
      error = await setupError({ url: db.url });
      if (!error) break;
      await new Promise((r) => setTimeout(r, 100)); // the server notices the closed socket
    }
    expect(error).toBeUndefined();
  });

  it('long database + table names hash to a lock name within 64 characters', () => {
    expect(tableLockName('etl', 'baby_names')).toBe('etl:etl.baby_names');
    const long = tableLockName('d'.repeat(64), 't'.repeat(64));
    expect(long).toMatch(/^etl:[0-9a-f]{60}$/);
    expect(long).not.toBe(tableLockName('d'.repeat(64), `${'t'.repeat(63)}u`));
  });
});

describe('replace-all shadow tables per lineage', () => {
  let db: Db;
  const tables = async () =>
    (
      await db.query<Array<{ name: string }>>(
        "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE '%\\_\\_etl\\_%' ORDER BY 1",
        [db.name],
      )
    ).map((r) => r.name);
  beforeAll(async () => {
    db = await testDatabase('lineage');
    await run({ url: db.url }, 'seed', toBatches(sample.slice(0, 300), 300));
  });
  afterAll(async () => db?.drop());

  it('names the shadow after the lineage, within 64 characters', () => {
    expect(shadowName('baby_names', 'L1')).toMatch(/^baby_names__etl_new_[0-9a-f]{8}$/);
    expect(shadowName('baby_names', 'L1')).not.toBe(shadowName('baby_names', 'L2'));
    const long = shadowName('x'.repeat(64), 'L1');
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).not.toBe(shadowName(`${'x'.repeat(63)}y`, 'L1'));
  });

  it('a failed load, then a --fresh lineage that stopped before its first write, does not resume into the old shadow', async () => {
    const config = configOf({ url: db.url, mode: 'replace-all' as const });
    const before = await db.fingerprint();
    // Lineage L1 fails half way: its shadow holds 200 rows and the checkpoint row points at it.
    await run(config, 'L1', lineageBatches(sample.slice(1000, 1400), 100, 'L1').slice(0, 2), { outcome: 'failed' });
    expect(await tables()).toEqual([shadowName('baby_names', 'L1')]);
    // --fresh starts L2, which stops before writing anything; the next run resumes L2. The only token in the
    // database is L1's: the runtime ignores it, and so must the sink (new shadow, old one dropped).
    await run(config, 'L2', [], { outcome: 'interrupted' });
    const restored = await run(config, 'L2', lineageBatches(sample.slice(2000, 2050), 50, 'L2'), { resume: true });
    expect(restored).toMatchObject({ lineage: 'L1' });
    const after = await db.fingerprint();
    expect(after.rows).toBe(50);
    expect(after).not.toEqual(before);
    expect(await tables()).toEqual([]);
  });

  it('a resumed lineage keeps loading the shadow recorded with its token, even under the old fixed name', async () => {
    const config = configOf({ url: db.url, mode: 'replace-all' as const });
    const batches = lineageBatches(sample.slice(0, 400), 100, 'L3');
    await run(config, 'L3', batches.slice(0, 2), { outcome: 'failed' });
    // As left by a version that named every shadow `<table>__etl_new`.
    await db.query(
      `RENAME TABLE \`${db.name}\`.\`${shadowName('baby_names', 'L3')}\` TO \`${db.name}\`.baby_names__etl_new`,
    );
    await db.query(`UPDATE \`${db.name}\`.etl_checkpoints SET target_table = 'baby_names__etl_new'`);
    expect(await run(config, 'L3', batches.slice(2), { resume: true })).toEqual(batches[1].checkpoint);
    expect((await db.fingerprint()).rows).toBe(400);
    expect(await tables()).toEqual([]);
  });
});

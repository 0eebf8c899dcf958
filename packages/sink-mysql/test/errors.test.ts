import net from 'node:net';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EtlError, FatalError, RetriableError } from '@etl/core';
import mysqlSink, { toEtlError, type MysqlSinkConfigInput } from '@etl/sink-mysql';
import { configOf, readSample, testContext, testDatabase, toBatches } from './helpers.js';

const suffix = Math.random().toString(36).slice(2, 8);
const USER = `etl_t_${suffix}`;
const PASSWORD = `S3cret-pw-${suffix}`;
const WRONG = `Wrong-pw-${suffix}`;

/** Runs setup + one write + close and returns what was thrown. */
async function failure(input: MysqlSinkConfigInput): Promise<EtlError> {
  const config = configOf(input);
  const sink = mysqlSink();
  const ctx = testContext();
  try {
    await sink.setup!(ctx, config);
    await sink.write(ctx, config, toBatches(readSample().slice(0, 10), 10)[0]);
  } catch (error) {
    return error as EtlError;
  } finally {
    await sink.close!(ctx, config, 'failed').catch(() => undefined);
  }
  throw new Error('expected the load to fail');
}

function expectSafeFatal(error: EtlError, code: string, parts: string[]) {
  expect(error).toBeInstanceOf(FatalError);
  expect(error.code).toBe(code);
  for (const part of parts) expect(error.message).toContain(part);
  expect(error.suggestions.length).toBeGreaterThan(0);
  const everything = `${error.message} ${error.suggestions.join(' ')} ${JSON.stringify(error)} ${String(error.stack)} ${JSON.stringify(error.cause ?? null)}`;
  expect(everything).not.toContain(PASSWORD);
  expect(everything).not.toContain(WRONG);
}

describe('fatal errors name host, port and database and never the password', () => {
  let db: Awaited<ReturnType<typeof testDatabase>>;
  beforeAll(async () => {
    db = await testDatabase('errors');
    await mysqlSink().migrate!(testContext(), configOf({ url: db.url }), 'up');
    await db.query(`CREATE USER '${USER}'@'%' IDENTIFIED BY '${PASSWORD}'`);
    await db.query(`CREATE USER '${USER}'@'localhost' IDENTIFIED BY '${PASSWORD}'`);
    for (const host of ['%', 'localhost']) await db.query(`GRANT SELECT ON \`${db.name}\`.* TO '${USER}'@'${host}'`);
  });
  afterAll(async () => {
    await db?.query(`DROP USER IF EXISTS '${USER}'@'%', '${USER}'@'localhost'`).catch(() => undefined);
    await db?.drop();
  });

  it('refused connection', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const error = await failure({ url: `mysql://${USER}:${PASSWORD}@127.0.0.1:${port}/etl_nowhere` });
    expectSafeFatal(error, 'MYSQL_CONNECTION_REFUSED', [`127.0.0.1:${port}`, 'etl_nowhere']);
  });

  it('bad password', async () => {
    const error = await failure({ url: `mysql://${USER}:${WRONG}@127.0.0.1:3306/${db.name}` });
    expectSafeFatal(error, 'MYSQL_ACCESS_DENIED', ['127.0.0.1:3306', db.name, USER]);
  });

  it('unknown database when createDatabase is off', async () => {
    const error = await failure({ url: `${db.url}_missing`, createDatabase: false });
    expectSafeFatal(error, 'MYSQL_UNKNOWN_DATABASE', ['127.0.0.1:3306', `${db.name}_missing`]);
    expect(error.suggestions.join(' ')).toMatch(/createDatabase/);
  });

  it('no access to the database', async () => {
    const error = await failure({ url: `mysql://${USER}:${PASSWORD}@127.0.0.1:3306/${db.name}_other` });
    expectSafeFatal(error, 'MYSQL_PRIVILEGE_MISSING', ['127.0.0.1:3306', `${db.name}_other`]);
  });

  it('a missing table privilege on write', async () => {
    const error = await failure({
      url: `mysql://${USER}:${PASSWORD}@127.0.0.1:3306/${db.name}`,
      migrations: { auto: false },
    });
    expectSafeFatal(error, 'MYSQL_PRIVILEGE_MISSING', ['127.0.0.1:3306', db.name, 'INSERT']);
  });

  it('check() reports the version, and the privileges a user lacks', async () => {
    const sink = mysqlSink();
    const good = await sink.check!(testContext(), configOf({ url: db.url }));
    expect(good.ok).toBe(true);
    expect(good.message).toMatch(/MariaDB|\d+\.\d+\.\d+/);
    expect(good.details?.version).toEqual(expect.stringMatching(/^\d+\.\d+/));
    const weak = await sink.check!(
      testContext(),
      configOf({ url: `mysql://${USER}:${PASSWORD}@127.0.0.1:3306/${db.name}` }),
    );
    expect(weak.ok).toBe(false);
    expect(weak.message).toContain('INSERT');
    expect(weak.message).not.toContain(PASSWORD);
    expect(weak.details?.missingPrivileges).toEqual(['INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'ALTER', 'INDEX']);
  });

  it('a connection killed in the middle of a write is a RetriableError; the batch rolls back and its retry lands', async () => {
    const sink = mysqlSink();
    const ctx = testContext();
    const config = configOf({ url: db.url });
    const [first, second] = toBatches(readSample().slice(0, 200), 100);
    const blocker = await mysql.createConnection({ uri: db.url });
    await sink.setup!(ctx, config);
    try {
      await sink.write(ctx, config, first);
      // Hold the checkpoint row: the next write loads its rows, then waits for this lock inside its transaction.
      await blocker.query('BEGIN');
      await blocker.query("SELECT * FROM etl_checkpoints WHERE pipeline = 'babynames' AND step = 'mysql' FOR UPDATE");
      const pending = sink.write(ctx, config, second).then(
        () => undefined,
        (e: unknown) => e,
      );
      let writer: number | undefined;
      for (let i = 0; i < 300 && writer === undefined; i++) {
        const rows = await db.query<Array<{ ID: number }>>(
          "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE 'INSERT INTO etl_checkpoints%'",
          [db.name],
        );
        writer = rows[0]?.ID;
        if (writer === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(writer).toBeDefined();
      await db.query(`KILL ${Number(writer)}`);
      const error = await pending;
      await blocker.query('ROLLBACK');
      expect(error).toBeInstanceOf(RetriableError);
      expect((error as RetriableError).code).toBe('MYSQL_TRANSIENT');
      expect((error as RetriableError).message).toContain(`127.0.0.1:3306/${db.name}`);
      expect((await db.fingerprint()).rows).toBe(100);
      const retried = await sink.write(ctx, config, second);
      expect(retried.written).toBe(100);
    } finally {
      await blocker.end();
      await sink.close!(ctx, config, 'succeeded');
    }
    expect((await db.fingerprint()).rows).toBe(200);
  });

  it('a connection killed while idle is replaced, or its write fails as retriable', async () => {
    const sink = mysqlSink();
    const ctx = testContext();
    const config = configOf({ url: db.url });
    const batches = toBatches(readSample().slice(200, 400), 100);
    await sink.setup!(ctx, config);
    try {
      await sink.write(ctx, config, batches[0]);
      const conns = await db.query<Array<{ ID: number }>>(
        'SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
        [db.name],
      );
      for (const c of conns) await db.query(`KILL ${Number(c.ID)}`);
      const first = await sink.write(ctx, config, batches[1]).then(
        (r) => r,
        (e: unknown) => e,
      );
      if (!(first && typeof first === 'object' && 'written' in first)) {
        expect(first).toBeInstanceOf(RetriableError);
        expect((await sink.write(ctx, config, batches[1])).written).toBe(100);
      }
    } finally {
      await sink.close!(ctx, config, 'succeeded');
    }
    expect((await db.fingerprint()).rows).toBe(400);
  });
});

describe('driver error codes map onto the error tree', () => {
  const target = { host: 'db.example', port: 3307, user: 'loader', password: 'hunter2-secret', database: 'etl' };
  it.each([
    'ECONNRESET',
    'PROTOCOL_CONNECTION_LOST',
    'ER_LOCK_DEADLOCK',
    'ER_LOCK_WAIT_TIMEOUT',
    'CR_SERVER_GONE_ERROR',
    'ER_CONNECTION_KILLED',
  ])('%s is retriable', (code) => {
    const error = toEtlError(Object.assign(new Error('boom'), { code }), target, 'writing');
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.message).toContain('db.example:3307/etl');
  });
  it.each([
    ['ECONNREFUSED', 'MYSQL_CONNECTION_REFUSED'],
    ['ER_ACCESS_DENIED_ERROR', 'MYSQL_ACCESS_DENIED'],
    ['ER_BAD_DB_ERROR', 'MYSQL_UNKNOWN_DATABASE'],
    ['ER_DBACCESS_DENIED_ERROR', 'MYSQL_PRIVILEGE_MISSING'],
    ['ER_TABLEACCESS_DENIED_ERROR', 'MYSQL_PRIVILEGE_MISSING'],
  ])('%s is fatal (%s) and names host, port and database, not the password', (code, etlCode) => {
    const error = toEtlError(Object.assign(new Error('boom'), { code }), target, 'writing');
    expect(error).toBeInstanceOf(FatalError);
    expect(error.code).toBe(etlCode);
    expect(error.message).toMatch(/db\.example:3307/);
    expect(error.message).toContain('etl');
    expect(`${error.message}${error.suggestions.join('')}`).not.toContain('hunter2');
  });
  it('a refused connection is retriable once the run has talked to the server (a restart), fatal before', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(toEtlError(refused, target, 'writing', { refusalIsTransient: true })).toBeInstanceOf(RetriableError);
    expect(toEtlError(refused, target, 'connecting')).toBeInstanceOf(FatalError);
  });
  it("mysql2's code-less error for a closed connection is retriable", () => {
    const error = toEtlError(new Error("Can't add new command when connection is in closed state"), target, 'writing');
    expect(error).toBeInstanceOf(RetriableError);
  });
  it('a server error inside a TypeORM QueryFailedError is read from driverError', () => {
    const error = toEtlError(
      { driverError: { code: 'ER_LOCK_DEADLOCK', sqlMessage: 'Deadlock found' } },
      target,
      'writing',
    );
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.message).toContain('Deadlock found');
  });
});

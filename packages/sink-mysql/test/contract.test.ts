import { describeSinkContract } from '@etl/testing';
import mysqlSink, { type MysqlSinkConfig } from '@etl/sink-mysql';
import { readSample, testDatabase } from './helpers.js';

let db: Awaited<ReturnType<typeof testDatabase>> | undefined;

describeSinkContract<MysqlSinkConfig>(mysqlSink, {
  config: () => ({ url: db ? db.url : 'mysql://root@127.0.0.1:3306/etl_contract_placeholder' }),
  records: readSample().slice(0, 40),
  setup: async () => {
    db = await testDatabase('contract');
  },
  teardown: async () => db?.drop(),
  readBack: async () =>
    (
      await db!.query<Array<{ year: number; name: string; sex: string; count: number }>>(
        `SELECT year_of_birth AS year, name, sex, count FROM \`${db!.name}\`.baby_names ORDER BY id`,
      )
    ).map((r) => ({ year: r.year, name: r.name, sex: r.sex, count: r.count })),
  key: (r) => `${String(r.year)}|${String(r.name)}|${String(r.sex)}|${String(r.count)}`,
});

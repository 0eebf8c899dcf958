import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import {
  applyConfigDefaults,
  type DataRecord,
  type JsonValue,
  type Logger,
  type SinkBatch,
  type StepContext,
} from '@etl/core';
import { configSchema, type MysqlSinkConfig, type MysqlSinkConfigInput } from '@etl/sink-mysql';

export const ROOT_URL = process.env.ETL_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
export const SAMPLE_CSV = fileURLToPath(new URL('./fixtures/baby-names-sample.csv', import.meta.url));

/** The sample's rows as the `validate` transform would type them. */
export function readSample(file = SAMPLE_CSV): DataRecord[] {
  const lines = readFileSync(file, 'utf8').split('\n').slice(1).filter(Boolean);
  return lines.map((line) => {
    const [year, name, sex, count] = line.split(',');
    return { year: Number(year), name, sex, count: Number(count) };
  });
}

/** A step config as hooks get it: the schema's defaults applied, as `etl run` does before calling a hook. */
export const configOf = (input: MysqlSinkConfigInput): MysqlSinkConfig => applyConfigDefaults(configSchema, input);

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

/** A StepContext good enough to drive a sink's hooks directly (the runtime's services are not needed here). */
export function testContext(
  overrides: Partial<StepContext> & { secrets?: string[]; logs?: string[] } = {},
): StepContext {
  const secrets = overrides.secrets ?? [];
  const counters: Record<string, number> = {};
  const logs = overrides.logs;
  const logger: Logger = logs
    ? {
        debug: (m) => logs.push(m),
        info: (m) => logs.push(m),
        warn: (m) => logs.push(m),
        error: (m) => logs.push(m),
        child: () => logger,
      }
    : silent;
  const state = new Map<string, JsonValue>();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etl-sink-mysql-'));
  return {
    pipeline: 'babynames',
    step: 'mysql',
    runId: 'test-run',
    lineage: 'test-lineage',
    logger,
    signal: new AbortController().signal,
    retry: { run: (work) => work(1) },
    limiter: () => undefined,
    state: {
      get: (k) => state.get(k) as never,
      set: (k, v) => void state.set(k, v),
      delete: (k) => void state.delete(k),
      has: (k) => state.has(k),
      get size() {
        return state.size;
      },
      keys: () => state.keys(),
      clear: () => state.clear(),
    },
    dirs: { state: dir, run: dir, cache: dir },
    dryRun: false,
    fresh: false,
    progress() {},
    addSecret: (v) => void secrets.push(v),
    count: (c, by = 1) => void (counters[c] = (counters[c] ?? 0) + by),
    ...overrides,
  };
}

/** Splits records into SinkBatches the way the runtime does: refs, a locator and a checkpoint token per batch. */
export function toBatches(records: DataRecord[], size: number, file = 'baby-names-sample.csv'): SinkBatch[] {
  const batches: SinkBatch[] = [];
  for (let start = 0, seq = 0; start < records.length; start += size, seq++) {
    const slice = records.slice(start, start + size);
    batches.push({
      records: slice,
      refs: slice.map((_, index) => ({ seq, index })),
      // +2: the header is line 1.
      locate: (i) => `${file}:${start + i + 2}`,
      checkpoint: { seq, last: start + slice.length },
    });
  }
  return batches;
}

/** A uniquely named database this test owns; `drop()` removes it. */
export async function testDatabase(tag: string) {
  const name = `etl_test_sinkmysql_${tag}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = await mysql.createConnection({ uri: ROOT_URL, flags: ['-FOUND_ROWS'] });
  return {
    name,
    url: `${ROOT_URL}/${name}`,
    admin,
    async query<T = Record<string, unknown>[]>(sql: string, values: unknown[] = []): Promise<T> {
      const [rows] = await admin.query(sql, values);
      return rows as T;
    },
    /** Order-independent fingerprint of the data columns (ids and timestamps differ between equivalent loads). */
    async fingerprint(table = 'baby_names'): Promise<{ rows: number; checksum: string }> {
      const [rows] = await admin.query(
        `SELECT COUNT(*) AS n, COALESCE(SUM(CRC32(CONCAT_WS('|', year_of_birth, name, sex, count))), 0) AS c FROM \`${name}\`.\`${table}\``,
      );
      const row = (rows as Array<{ n: number | string; c: number | string }>)[0];
      return { rows: Number(row.n), checksum: String(row.c) };
    },
    /** The table's definition (indexes, comment) as SHOW CREATE TABLE prints it, without its AUTO_INCREMENT counter. */
    async shape(table = 'baby_names'): Promise<string> {
      const [rows] = await admin.query(`SHOW CREATE TABLE \`${name}\`.\`${table}\``);
      return String((rows as Array<Record<string, string>>)[0]['Create Table']).replace(/ AUTO_INCREMENT=\d+/, '');
    },
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}

// Loads all 2,020,863 baby-name rows twice: with a bare LOAD DATA LOCAL INFILE of the CSV (the baseline) and through the
// sink's write() in batches of 10,000, each into an empty table of the same shape in a throwaway database.
// Run alone: `npx tsc -b packages/sink-mysql && node packages/sink-mysql/bench/load.bench.js` (from /work/main).
// Env: ETL_BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306), BENCH_METHODS (default "load-data,insert"),
// BENCH_ZIP (default /work/shared/data/us-baby-names-by-year-of-birth.zip).
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mysql from 'mysql2/promise';
import { applyConfigDefaults } from '@etl/core';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT_URL = process.env.ETL_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const ZIP = process.env.BENCH_ZIP ?? '/work/shared/data/us-baby-names-by-year-of-birth.zip';
const CSV_NAME = 'babyNamesUSYOB-full.csv';
const BATCH = 10_000;

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
function context() {
  const state = new Map();
  return {
    pipeline: 'bench',
    step: 'mysql',
    runId: 'bench',
    logger: silent,
    signal: new AbortController().signal,
    retry: { run: (work) => work(1) },
    limiter: () => undefined,
    state: {
      get: (k) => state.get(k),
      set: (k, v) => state.set(k, v),
      delete: (k) => state.delete(k),
      has: (k) => state.has(k),
      get size() {
        return state.size;
      },
      keys: () => state.keys(),
      clear: () => state.clear(),
    },
    dirs: { state: os.tmpdir(), run: os.tmpdir(), cache: os.tmpdir() },
    dryRun: false,
    fresh: false,
    progress() {},
    addSecret() {},
    count() {},
  };
}

function extractCsv() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etl-bench-sinkmysql-'));
  execFileSync('unzip', ['-q', '-o', ZIP, CSV_NAME, '-d', dir]);
  return { dir, file: path.join(dir, CSV_NAME) };
}

/** Reads the CSV as the pipeline's source + validate steps would hand it over: typed records, in batches. */
async function* batches(file) {
  const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let records = [];
  let lineNo = 0;
  let seq = 0;
  for await (const line of lines) {
    lineNo++;
    if (lineNo === 1 || line === '') continue;
    const [year, name, sex, count] = line.split(',');
    records.push({ year: Number(year), name, sex, count: Number(count) });
    if (records.length === BATCH) {
      yield makeBatch(records, seq++, lineNo);
      records = [];
    }
  }
  if (records.length > 0) yield makeBatch(records, seq++, lineNo);
}

function makeBatch(records, seq, lastLine) {
  const first = lastLine - records.length + 1;
  return {
    records,
    refs: records.map((_, index) => ({ seq, index })),
    locate: (i) => `${CSV_NAME}:${first + i}`,
    checkpoint: { seq, line: lastLine },
  };
}

async function baseline(admin, db, file) {
  await admin.query(`CREATE TABLE \`${db}\`.baseline LIKE \`${db}\`.baby_names`);
  const started = performance.now();
  const [result] = await admin.query({
    sql: `LOAD DATA LOCAL INFILE 'babyNames.csv' INTO TABLE \`${db}\`.baseline CHARACTER SET utf8mb4
          FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n' IGNORE 1 LINES (year_of_birth, name, sex, count)`,
    infileStreamFactory: () => createReadStream(file),
  });
  return { seconds: (performance.now() - started) / 1000, rows: result.affectedRows };
}

async function sinkLoad(mysqlSink, url, method, file) {
  const sink = mysqlSink();
  const ctx = context();
  // Hooks get the config with the schema's defaults applied, as the runtime hands it over.
  const config = applyConfigDefaults(sink.configSchema, { url, method, mode: 'upsert' });
  await sink.setup(ctx, config); // migrations run here, outside the timed part
  let rows = 0;
  let rejected = 0;
  let writeMs = 0;
  const started = performance.now();
  for await (const batch of batches(file)) {
    const t = performance.now();
    const r = await sink.write(ctx, config, batch);
    writeMs += performance.now() - t;
    rows += r.written + (r.unchanged ?? 0);
    rejected += r.rejects?.length ?? 0;
  }
  const seconds = (performance.now() - started) / 1000;
  await sink.close(ctx, config, 'succeeded');
  return { seconds, writeSeconds: writeMs / 1000, rows, rejected };
}

const bench = {
  name: 'sink-mysql: load 2,020,863 baby-name rows',
  async run() {
    const dist = path.join(here, '../dist/index.js');
    if (!existsSync(dist)) throw new Error('Build first: npx tsc -b packages/sink-mysql');
    const { default: mysqlSink } = await import(pathToFileURL(dist).href);
    const methods = (process.env.BENCH_METHODS ?? 'load-data,insert').split(',');
    const { dir, file } = extractCsv();
    const admin = await mysql.createConnection({ uri: ROOT_URL });
    const tag = Math.random().toString(36).slice(2, 8);
    const dbs = [];
    const out = { rows: 0, cores: os.cpus().length, loadavg1: Number(os.loadavg()[0].toFixed(2)) };
    // Each load starts on a quiet server: the previous load's database is dropped and InnoDB has flushed its dirty
    // pages (the default 128 MB buffer pool is far smaller than a loaded table), so no load pays for the one before.
    const settle = async () => {
      for (let i = 0; i < 120; i++) {
        const [[row]] = await admin.query("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'");
        if (Number(row.Value) < 200) return;
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    const measure = async (label, work) => {
      const db = `etl_bench_sinkmysql_${label}_${tag}`;
      dbs.push(db);
      await settle();
      const result = await work(db);
      const [[{ n }]] = await admin.query(`SELECT COUNT(*) AS n FROM \`${db}\`.\`${result.table}\``);
      await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
      return { ...result, inTable: Number(n) };
    };
    const runBaseline = (label) =>
      measure(`base${label}`, async (db) => {
        // The baseline table has the sink's own shape: the same migrations create it, then LIKE copies it.
        const sink = mysqlSink();
        await sink.migrate(context(), applyConfigDefaults(sink.configSchema, { url: `${ROOT_URL}/${db}` }), 'up');
        return { ...(await baseline(admin, db, file)), table: 'baseline' };
      });
    try {
      // A baseline before each sink load; each ratio compares a sink load with the baseline measured just before it.
      for (const method of methods) {
        const key = method === 'load-data' ? 'loadData' : 'insert';
        const base = await runBaseline(key);
        const sink = await measure(method.replace('-', ''), async (db) => ({
          ...(await sinkLoad(mysqlSink, `${ROOT_URL}/${db}`, method, file)),
          table: 'baby_names',
        }));
        out.rows = base.inTable;
        out[`${key}BaselineSeconds`] = Number(base.seconds.toFixed(2));
        out[`${key}Seconds`] = Number(sink.seconds.toFixed(2));
        out[`${key}WriteSeconds`] = Number(sink.writeSeconds.toFixed(2));
        out[`${key}RowsInTable`] = sink.inTable;
        out[`${key}Rejected`] = sink.rejected;
        out[`${key}RowsPerSec`] = Math.round(sink.rows / sink.seconds);
        out[`${key}Ratio`] = Number((sink.seconds / base.seconds).toFixed(3));
      }
      out.loadavg1After = Number(os.loadavg()[0].toFixed(2));
      out.peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
      return out;
    } finally {
      for (const db of dbs) await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
      await admin.end();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  console.log(JSON.stringify(await bench.run(), null, 2));
}

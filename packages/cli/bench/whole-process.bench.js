// Whole-process benchmarks: spawns `node packages/cli/bin/run.js …` as a user starts it, times it, reads its --json
// summary and the child's own peak RSS (VmHWM), and puts the reference measured in the same run beside it, with
// /proc/loadavg before each figure. The stand-ins run in this (the bench's) process, as remote services would.
//
//   validate  `etl validate` in the repository root, through the bin shim and in a work folder, each ≥ 11 times,
//             alternated with the floor `node -e ''`                                    target ≤ 0.4 s
//   mysql     `etl run babynames --profile demo --skip hubspot --fresh` into an empty database, beside a bare
//             LOAD DATA LOCAL INFILE of the extracted CSV into a table of the same shape  target ≤ 1.15 ×
//   hubspot   `etl run babynames --profile full --skip mysql --fresh` at 100 / 10 s, then at 190 / 10 s; the floor
//             is upserts × 10 s / max                                                   target ≤ 1.05 ×, 0 × 429
//   shared    two HubSpot steps naming one limiter (100 / 10 s): combined upserts against the combined floor
//   full      `etl run babynames --profile full --fresh` (MySQL and every contact): peak RSS ≤ 250 MB (BENCH_FULL only)
//
// Env: BENCH_PARTS (default "validate,mysql,hubspot,shared"), BENCH_RUNS (default 3), BENCH_FULL=1 for all 111,472
// contacts (about 2 minutes per HubSpot run; the default sends 20,000), BENCH_ZIP, ETL_BENCH_MYSQL_URL.
// Run alone: `pnpm run build && node packages/cli/bench/whole-process.bench.js`.
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { startHubspotSandbox, startKaggleSandbox } from '@etl/sandbox';
import { cliBin, load1, loadavg, measureEtl, refused, repoRoot, runIfMain, upserts } from '../../../bench/helpers.js';

const ZIP = process.env.BENCH_ZIP ?? '/work/shared/data/us-baby-names-by-year-of-birth.zip';
const CSV_NAME = 'babyNamesUSYOB-full.csv';
const ROOT_URL = process.env.ETL_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const FULL = process.env.BENCH_FULL === '1';
const CONTACTS = FULL ? undefined : 20_000;
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const PARTS = (process.env.BENCH_PARTS ?? `validate,mysql,hubspot,shared${FULL ? ',full' : ''}`).split(',');

const round = (n, digits = 2) => Number(n.toFixed(digits));
const spread = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: round(sorted[Math.floor(sorted.length / 2)], 3),
    min: round(sorted[0], 3),
    max: round(sorted.at(-1), 3),
  };
};

/** Runs the CLI with `args` (measureEtl); with `--json`, its summary; the 1-minute load before it. */
async function etl(args, options) {
  const run = await measureEtl(args, options);
  const summary = args.includes('--json') ? JSON.parse(run.stdout) : undefined;
  return { ...run, summary, loadBefore: Number(run.loadBefore.split(' ')[0]) };
}

/** A working folder whose etl.config.json points at the repository's pipelines (or `pipelinesDir`) and its own state. */
function workFolder(pipelinesDir = path.join(repoRoot, 'pipelines')) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etl-bench-whole-'));
  writeFileSync(path.join(dir, 'etl.config.json'), JSON.stringify({ pipelinesDir, stateDir: path.join(dir, 'state') }));
  return dir;
}

function envFor(dir, kaggle, hubspot, extra = {}) {
  return {
    ...process.env,
    HOME: dir,
    KAGGLE_API_TOKEN: '',
    KAGGLE_USERNAME: '',
    KAGGLE_KEY: '',
    KAGGLE_BASE_URL: kaggle.baseUrl,
    KAGGLE_EMAIL: kaggle.credentials.email,
    KAGGLE_PASSWORD: kaggle.credentials.password,
    HUBSPOT_BASE_URL: hubspot?.baseUrl ?? 'http://127.0.0.1:9',
    HUBSPOT_ACCESS_TOKEN: hubspot?.token ?? 'unused',
    ...extra,
  };
}

async function settle(admin) {
  // Each load starts on a quiet server: InnoDB has flushed what the previous one left dirty.
  for (let i = 0; i < 240; i++) {
    const [[row]] = await admin.query("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'");
    if (Number(row.Value) < 200) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Wall seconds of `command args…` run to its end (throws when it fails). */
function timed(command, args, options) {
  const started = performance.now();
  execFileSync(command, args, { ...options, stdio: 'ignore' });
  return (performance.now() - started) / 1000;
}

/**
 * `etl validate` as a user starts it, three ways, alternated run by run with the floor (`node -e ''`, Node's own
 * start-up) so that all four see the same load: in the repository root (`node packages/cli/bin/run.js validate`, every
 * shipped pipeline), through the installed bin shim (`node_modules/.bin/etl validate`), and in a work folder with a
 * project config (`validate babynames`, which compiles the project config's schema too).
 */
async function benchValidate(out) {
  const dir = workFolder();
  const shim = path.join(repoRoot, 'node_modules/.bin/etl');
  const runs = Math.max(11, RUNS);
  try {
    const env = { ...process.env, HOME: dir };
    await etl(['validate', 'babynames'], { cwd: dir, env }); // warms the file cache
    const times = { floor: [], repoRoot: [], binShim: [], workFolder: [] };
    const loads = [];
    let peak = 0;
    for (let i = 0; i < runs; i++) {
      loads.push(load1());
      times.floor.push(timed(process.execPath, ['-e', ''], { cwd: repoRoot }));
      times.repoRoot.push(timed(process.execPath, [cliBin, 'validate'], { cwd: repoRoot }));
      times.binShim.push(timed(shim, ['validate'], { cwd: repoRoot }));
      const run = await etl(['validate', 'babynames'], { cwd: dir, env });
      times.workFolder.push(run.seconds);
      peak = Math.max(peak, run.peakRssMb);
    }
    out.validate = {
      runs,
      seconds: spread(times.repoRoot),
      binShimSeconds: spread(times.binShim),
      workFolderSeconds: spread(times.workFolder),
      floorSeconds: spread(times.floor),
      target: 0.4,
      loadavg1: loads,
      uptime: execFileSync('uptime', { encoding: 'utf8' }).trim(),
      peakRssMb: peak,
    };
    const fmt = ({ median, min, max }) => `median ${median} s (${min}–${max})`;
    console.log(
      [
        `etl validate, whole process, ${runs} runs each (target ≤ 0.4 s):`,
        `  repository root  ${fmt(out.validate.seconds)}`,
        `  bin shim         ${fmt(out.validate.binShimSeconds)}`,
        `  work folder      ${fmt(out.validate.workFolderSeconds)}`,
        `  floor node -e '' ${fmt(out.validate.floorSeconds)}`,
        `  load ${Math.min(...loads)}–${Math.max(...loads)}; ${out.validate.uptime}`,
      ].join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchMysql(out, kaggle) {
  const dir = workFolder();
  const csvDir = mkdtempSync(path.join(os.tmpdir(), 'etl-bench-csv-'));
  execFileSync('unzip', ['-q', '-o', ZIP, CSV_NAME, '-d', csvDir]);
  const csv = path.join(csvDir, CSV_NAME);
  const admin = await mysql.createConnection({ uri: ROOT_URL });
  const tag = `${process.pid}_${Date.now() % 100000}`;
  const dbs = [];
  const db = (label) => {
    const name = `etl_bench_whole_${label}_${tag}`;
    dbs.push(name);
    return name;
  };
  const args = [
    'run',
    'babynames',
    '--profile',
    'demo',
    '--skip',
    'hubspot',
    '--fresh',
    '--json',
    '--log-level',
    'warn',
  ];
  const run = (database) =>
    etl(args, { cwd: dir, env: envFor(dir, kaggle, undefined, { MYSQL_URL: `${ROOT_URL}/${database}` }) });
  try {
    // The first run signs in and downloads; it also leaves the table shape the reference copies.
    const shape = db('shape');
    const cold = await run(shape);
    const rows = [];
    for (let i = 0; i < RUNS; i++) {
      const ref = db(`ref${i}`);
      await admin.query(`CREATE DATABASE \`${ref}\``);
      await admin.query(`CREATE TABLE \`${ref}\`.baseline LIKE \`${shape}\`.baby_names`);
      await settle(admin);
      const refLoad = load1();
      const t = performance.now();
      const [result] = await admin.query({
        sql: `LOAD DATA LOCAL INFILE 'babyNames.csv' INTO TABLE \`${ref}\`.baseline CHARACTER SET utf8mb4
              FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n' IGNORE 1 LINES (year_of_birth, name, sex, count)`,
        infileStreamFactory: () => createReadStream(csv),
      });
      const refSeconds = (performance.now() - t) / 1000;
      await admin.query(`DROP DATABASE \`${ref}\``);
      await settle(admin);
      const target = db(`run${i}`);
      const whole = await run(target);
      const step = whole.summary.steps.find((s) => s.step === 'mysql');
      const [[{ n }]] = await admin.query(`SELECT COUNT(*) AS n FROM \`${target}\`.baby_names`);
      const [[same]] = await admin.query(
        `SELECT (SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'baby_names') AS got,
                (SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'baby_names') AS want`,
        [target, shape],
      );
      await admin.query(`DROP DATABASE \`${target}\``);
      rows.push({
        referenceSeconds: round(refSeconds),
        referenceRows: result.affectedRows,
        referenceLoadavg1: refLoad,
        wholeSeconds: round(whole.seconds),
        stepSeconds: round(step.durationMs / 1000),
        wholeLoadavg1: whole.loadBefore,
        rowsInTable: Number(n),
        indexColumnsLikeShape: Number(same.got) === Number(same.want),
        ratioWhole: round(whole.seconds / refSeconds, 3),
        ratioStep: round(step.durationMs / 1000 / refSeconds, 3),
        peakRssMb: whole.peakRssMb,
      });
    }
    out.mysql = {
      coldFirstRunSeconds: round(cold.seconds),
      coldLoadavg1: cold.loadBefore,
      ratioWhole: spread(rows.map((r) => r.ratioWhole)),
      ratioStep: spread(rows.map((r) => r.ratioStep)),
      target: 1.15,
      runs: rows,
    };
  } finally {
    for (const name of dbs) await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
    rmSync(csvDir, { recursive: true, force: true });
  }
}

/** One HubSpot run against a fresh stand-in at `rate`; the floor counts the upserts, as the stand-in saw them. */
async function hubspotRun(kaggle, { rate, max, pipeline = 'babynames', pipelinesDir, limitSteps = ['hubspot'] }) {
  const hubspot = await startHubspotSandbox({ host: '127.0.0.1', port: 0, rate });
  const dir = workFolder(pipelinesDir);
  try {
    const args = ['run', pipeline, '--profile', 'full', '--skip', 'mysql', '--fresh', '--json', '--log-level', 'warn'];
    if (CONTACTS) for (const s of limitSteps) args.push('--set', `steps.${s}.config.limit=${CONTACTS}`);
    const env = envFor(dir, kaggle, hubspot, { HUBSPOT_RATE_MAX: String(max) });
    // Sign in and download once (not timed), so the timed run is the sync; --fresh keeps the proven-current download.
    const warm = [
      ...args.filter((a) => !a.startsWith('steps.') && a !== '--set'),
      ...limitSteps.flatMap((s) => ['--set', `steps.${s}.config.limit=1`]),
    ];
    await etl(warm, { cwd: dir, env });
    await hubspot.reset();
    const whole = await etl(args, { cwd: dir, env });
    const stats = hubspot.stats();
    const upsertCount = upserts(stats);
    const sinks = whole.summary.steps.filter((s) => limitSteps.includes(s.step));
    const stepSeconds = Math.max(...sinks.map((s) => s.durationMs)) / 1000;
    const floorSeconds = (upsertCount * 10) / max;
    return {
      contacts: sinks.reduce((n, s) => n + s.written, 0),
      upserts: upsertCount,
      requests: stats.requests,
      http429: refused(stats),
      peakInWindow: stats.peakInWindow,
      max,
      floorSeconds: round(floorSeconds, 1),
      stepSeconds: round(stepSeconds),
      wholeSeconds: round(whole.seconds),
      ratioStep: round(stepSeconds / floorSeconds, 3),
      ratioWhole: round(whole.seconds / floorSeconds, 3),
      loadavg1: whole.loadBefore,
      peakRssMb: whole.peakRssMb,
    };
  } finally {
    await hubspot.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** babynames.yaml with a second HubSpot step on the same `hubspot` limiter (its contacts under another domain). */
function sharedPipelines() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etl-bench-pipelines-'));
  const text = readFileSync(path.join(repoRoot, 'pipelines/babynames.yaml'), 'utf8');
  const second = `
  hubspot_b:
    use: hubspot
    inputs: [contacts]
    limiter: hubspot
    config:
      baseUrl: \${env:HUBSPOT_BASE_URL:-https://api.hubapi.com}
      accessToken: \${env:HUBSPOT_ACCESS_TOKEN}
      idProperty: email
      properties:
        email: "{{ name | slug }}.{{ sex | lower }}@b.babynames.example.com"
        firstname: "{{ name }}"

`;
  const at = text.indexOf('\nprofiles:');
  writeFileSync(
    path.join(dir, 'shared.yaml'),
    text.slice(0, at) +
      '\n' +
      second +
      text
        .slice(at + 1)
        .replace(
          /\n {2}full:\n {4}steps:\n {6}hubspot:\n {8}config:\n {10}limit: null\n/,
          '\n  full:\n    steps:\n      hubspot:\n        config:\n          limit: null\n      hubspot_b:\n        config:\n          limit: null\n',
        ),
  );
  return dir;
}

const bench = {
  name: `whole process: etl validate, etl run into MySQL and HubSpot (${FULL ? 'all 111,472' : '20,000'} contacts)`,
  async run() {
    const out = {
      cores: os.cpus().length,
      loadavgAtStart: loadavg(),
      contacts: CONTACTS ?? 111_472,
    };
    const kaggle = await startKaggleSandbox({ host: '127.0.0.1', port: 0, dataset: ZIP });
    try {
      if (PARTS.includes('validate')) await benchValidate(out);
      if (PARTS.includes('mysql')) await benchMysql(out, kaggle);
      if (PARTS.includes('hubspot')) {
        out.hubspot100 = await hubspotRun(kaggle, { rate: '100/10s', max: 100 });
        out.hubspot190 = await hubspotRun(kaggle, { rate: '190/10s', max: 190 });
      }
      if (PARTS.includes('shared')) {
        const pipelinesDir = sharedPipelines();
        try {
          out.sharedLimiter = await hubspotRun(kaggle, {
            rate: '100/10s',
            max: 100,
            pipeline: 'shared',
            pipelinesDir,
            limitSteps: ['hubspot', 'hubspot_b'],
          });
        } finally {
          rmSync(pipelinesDir, { recursive: true, force: true });
        }
      }
      if (PARTS.includes('full')) {
        const hubspot = await startHubspotSandbox({ host: '127.0.0.1', port: 0, rate: '100/10s' });
        const dir = workFolder();
        const database = `etl_bench_whole_full_${process.pid}`;
        try {
          const env = envFor(dir, kaggle, hubspot, { MYSQL_URL: `${ROOT_URL}/${database}` });
          const whole = await etl(
            ['run', 'babynames', '--profile', 'full', '--fresh', '--json', '--log-level', 'warn'],
            { cwd: dir, env },
          );
          out.fullProfile = {
            wholeSeconds: round(whole.seconds),
            peakRssMb: whole.peakRssMb,
            target: 250,
            loadavg1: whole.loadBefore,
          };
        } finally {
          const admin = await mysql.createConnection({ uri: ROOT_URL });
          await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
          await admin.end();
          await hubspot.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }
    } finally {
      await kaggle.close();
    }
    out.loadavgAtEnd = loadavg();
    return out;
  },
};

export default bench;

await runIfMain(import.meta.url, bench);

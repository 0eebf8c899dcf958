// Whole-process memory: the peak RSS (VmHWM) of the `etl` process itself, started as a user starts it, the stand-ins
// running in this (the bench's) process as remote services would.
//
//   mysql-only  `etl run babynames --profile mysql-only --fresh`: every row into MySQL          target ≤ 200 MB
//   full        `etl run babynames --profile full --fresh`: MySQL and all 111,472 contacts      target ≤ 200 MB
//               (HubSpot at 100 / 10 s is the slow branch: the source waits for it, ~2 minutes)
//   x10         the same two on a synthetic file 10 × larger (20 million rows in the real file's format, every
//               name copied ten times with a suffix, so MySQL keys and dedupe keys grow ten-fold too), generated into
//               a temp folder and removed after; `full` sends 50 contacts there (1.1 million would take 3 hours at
//               100 / 10 s) but dedupes all 1.1 million keys.          target: the same peak as the real file ± 10 %
//
// Env: BENCH_MEMORY_PARTS (default "mysql-only,full,x10"; x10 takes about 15 minutes, leave it out with
// BENCH_MEMORY_PARTS=mysql-only,full), BENCH_ZIP,
// ETL_BENCH_MYSQL_URL. Run alone: `pnpm run build && node packages/cli/bench/memory.bench.js`.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import mysql from 'mysql2/promise';
import { startHubspotSandbox, startKaggleSandbox } from '@etl/sandbox';
import { loadavg, measureEtl, repoRoot, runIfMain } from '../../../bench/helpers.js';

const ZIP = process.env.BENCH_ZIP ?? '/work/shared/data/us-baby-names-by-year-of-birth.zip';
const CSV_NAME = 'babyNamesUSYOB-full.csv';
const ROOT_URL = process.env.ETL_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const PARTS = (process.env.BENCH_MEMORY_PARTS ?? 'mysql-only,full,x10').split(',');

/** The real file with every row written ten times, the copies' names suffixed (`Mary`, `Marya`, … `Maryi`). */
async function tenTimes(zip, dir) {
  const csv = path.join(dir, CSV_NAME);
  const out = createWriteStream(csv);
  const unzip = spawn('unzip', ['-p', zip, CSV_NAME], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: unzip.stdout, crlfDelay: Infinity });
  let header = true;
  let chunk = '';
  for await (const line of lines) {
    if (header) {
      chunk += `${line}\n`;
      header = false;
      continue;
    }
    const [year, name, sex, count] = line.split(',');
    for (let k = 0; k < 10; k++) chunk += `${year},${k === 0 ? name : name + 'abcdefghi'[k - 1]},${sex},${count}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
      chunk = '';
    }
  }
  out.end(chunk);
  await new Promise((r) => out.on('finish', r));
  const big = path.join(dir, 'x10.zip');
  execFileSync('zip', ['-q', '-j', '-1', big, csv]);
  rmSync(csv);
  return big;
}

async function runProfile(zip, profile, extra = []) {
  const kaggle = await startKaggleSandbox({ host: '127.0.0.1', port: 0, dataset: zip });
  const hubspot = await startHubspotSandbox({ host: '127.0.0.1', port: 0, rate: '100/10s' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etl-bench-memory-'));
  const database = `etl_bench_memory_${process.pid}_${Date.now() % 100000}`;
  writeFileSync(
    path.join(dir, 'etl.config.json'),
    JSON.stringify({ pipelinesDir: path.join(repoRoot, 'pipelines'), stateDir: path.join(dir, 'state') }),
  );
  const env = {
    ...process.env,
    HOME: dir,
    KAGGLE_API_TOKEN: kaggle.credentials.token,
    KAGGLE_BASE_URL: kaggle.baseUrl,
    HUBSPOT_BASE_URL: hubspot.baseUrl,
    HUBSPOT_ACCESS_TOKEN: hubspot.token,
    MYSQL_URL: `${ROOT_URL}/${database}`,
  };
  const base = ['run', 'babynames', '--json', '--log-level', 'warn', '--set', 'steps.kaggle.config.mode=api'];
  try {
    // Download once (not measured), so the measured run is the load itself.
    await measureEtl([...base, '--profile', 'mysql-only', '--skip', 'mysql'], { cwd: dir, env });
    const run = await measureEtl([...base, '--profile', profile, '--fresh', ...extra], { cwd: dir, env });
    return {
      peakRssMb: run.peakRssMb,
      seconds: Math.round(run.seconds * 10) / 10,
      cpuSeconds: run.cpuSeconds,
      loadavg: run.loadBefore,
      rssEvery5s: run.samples.filter((_, i) => i % 10 === 0).join(' '),
    };
  } finally {
    const admin = await mysql.createConnection({ uri: ROOT_URL });
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
    await Promise.allSettled([kaggle.close(), hubspot.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

const bench = {
  name: 'whole-process memory: peak RSS of `etl run babynames` (mysql-only, full; 10 × input with x10)',
  async run() {
    const out = { cores: os.cpus().length, loadavgAtStart: loadavg(), target: 200 };
    for (const profile of ['mysql-only', 'full'])
      if (PARTS.includes(profile)) out[profile] = await runProfile(ZIP, profile);
    if (PARTS.includes('x10')) {
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'etl-bench-x10-'));
      try {
        const big = await tenTimes(ZIP, tmp);
        for (const profile of ['mysql-only', 'full']) {
          if (!PARTS.includes(profile)) continue;
          const extra = profile === 'full' ? ['--set', 'steps.hubspot.config.limit=50'] : [];
          const run = await runProfile(big, profile, extra);
          out[`x10 ${profile}`] = run;
          if (out[profile]) run.ratioToReal = Math.round((run.peakRssMb / out[profile].peakRssMb) * 100) / 100;
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    out.loadavgAtEnd = loadavg();
    return out;
  },
};

export default bench;

await runIfMain(import.meta.url, bench);

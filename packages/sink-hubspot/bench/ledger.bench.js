// Benchmark: a HubSpot sync whose ledger holds 1.1 million entries stays within 300 MB peak RSS. The first run sends
// With ETL_STATE_URL=mysql://… set, the ledger lives in that shared state store (@etl/state-mysql) instead of LMDB.
// BENCH_LEDGER_CONTACTS (default 1,100,000) distinct contacts to the stand-in (at 100,000 requests / 10 s, so the
// rate limit is not what is measured) and its ledger grows to that size; the second run of the same pipeline finds
// every one unchanged, reading the whole ledger. Each run is a child process (ledger-run.js); its peak RSS (VmHWM)
// is what is reported. The stand-in runs in this process.
//
// Run alone:  pnpm run build && node packages/sink-hubspot/bench/ledger.bench.js
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startHubspotSandbox } from '@etl/sandbox';

const CONTACTS = Number(process.env.BENCH_LEDGER_CONTACTS ?? 1_100_000);
const child = join(dirname(fileURLToPath(import.meta.url)), 'ledger-run.js');
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function run(env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const proc = spawn(process.execPath, [child], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let peakKb = 0;
    const sampler = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {}
    }, 100);
    proc.stdout.on('data', (d) => (out += d));
    proc.on('close', (code) => {
      clearInterval(sampler);
      const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
      if (code !== 0 || result.status !== 'succeeded')
        return reject(new Error(`run ended ${code}: ${out.slice(-2000)}`));
      resolve({
        ...result,
        peakRssMb: Math.round(peakKb / 1024),
        seconds: Math.round((performance.now() - started) / 100) / 10,
      });
    });
  });
}

const bench = {
  name: `sink-hubspot: a sync with a ledger of ${CONTACTS.toLocaleString('en')} entries, peak RSS ≤ 300 MB`,
  async run() {
    const sandbox = await startHubspotSandbox({ port: 0, host: '127.0.0.1', rate: '100000/10s' });
    const stateDir = mkdtempSync(join(tmpdir(), 'etl-ledger-bench-'));
    try {
      const env = {
        CONTACTS: String(CONTACTS),
        STATE_DIR: stateDir,
        HUBSPOT_BASE_URL: sandbox.baseUrl,
        HUBSPOT_TOKEN: sandbox.token,
      };
      const loadFirst = loadavg();
      const first = await run(env);
      const loadSecond = loadavg();
      const second = await run(env);
      const stateMb = process.env.ETL_STATE_URL
        ? null // in the database
        : Math.round(statSync(join(stateDir, 'pipelines', 'ledger', 'state.mdb')).size / 1024 / 1024);
      return {
        ledgerEntries: CONTACTS,
        firstRunWritten: first.written,
        firstRunPeakRssMb: first.peakRssMb,
        firstRunSeconds: first.seconds,
        firstRunLoadavg: loadFirst,
        secondRunUnchanged: second.unchanged,
        secondRunPeakRssMb: second.peakRssMb,
        secondRunSeconds: second.seconds,
        secondRunLoadavg: loadSecond,
        stateFileMb: stateMb,
        store: process.env.ETL_STATE_URL ? 'mysql' : 'embedded',
        target: 300,
      };
    } finally {
      await sandbox.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  },
};

export default bench;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await bench.run(), null, 2));
}

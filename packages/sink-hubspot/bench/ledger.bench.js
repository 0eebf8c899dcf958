// Benchmark: a HubSpot sync whose ledger holds 1.1 million entries stays within 300 MB peak RSS. The first run sends
// With ETL_STATE_URL=mysql://… set, the ledger lives in that shared state store (@etl/state-mysql) instead of LMDB.
// BENCH_LEDGER_CONTACTS (default 1,100,000) distinct contacts to the stand-in (at 100,000 requests / 10 s, so the
// rate limit is not what is measured) and its ledger grows to that size; the second run of the same pipeline finds
// every one unchanged, reading the whole ledger. Each run is a child process (ledger-run.js); its peak RSS (VmHWM)
// is what is reported. The stand-in runs in this process.
//
// Run alone:  pnpm run build && node packages/sink-hubspot/bench/ledger.bench.js
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHubspotSandbox } from '@etl/sandbox';
import { loadavg, measureProcess, runIfMain } from '../../../bench/helpers.js';

const CONTACTS = Number(process.env.BENCH_LEDGER_CONTACTS ?? 1_100_000);
const child = join(dirname(fileURLToPath(import.meta.url)), 'ledger-run.js');

/** One sync in its own process: its summary (the last line it prints), peak RSS and seconds. */
async function run(env) {
  const measured = await measureProcess(process.execPath, [child], { env: { ...process.env, ...env } });
  const result = JSON.parse(measured.stdout.trim().split('\n').at(-1) ?? '{}');
  if (result.status !== 'succeeded') throw new Error(`run ${result.status}: ${measured.stdout.slice(-2000)}`);
  return { ...result, peakRssMb: measured.peakRssMb, seconds: Math.round(measured.seconds * 10) / 10 };
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

await runIfMain(import.meta.url, bench);

// Benchmark: sync 2,000 persons to the Pipedrive stand-in on the Advanced plan (40 requests per rolling 2 s per API
// token), through core's runtime and the real sink (built dist/). Pipedrive has no batch endpoint, so every person is
// one request: the floor that limit sets is (requests sent) / 40 × 2 s, about 100 s; target ≤ 1.1 × that, 0 × 429.
//
// Run alone:  npx tsc -b packages/sink-pipedrive packages/sandbox && node packages/sink-pipedrive/bench/sync.bench.js
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyConfigDefaults } from '@etl/core';
import { startPipedriveSandbox } from '@etl/sandbox';
import pipedriveSink, { configSchema } from '@etl/sink-pipedrive';
import { refused, runIfMain, syncNames } from '../../../bench/helpers.js';

const PERSONS = Number(process.env.BENCH_PERSONS ?? 2_000);
const MAX = 40;
const WINDOW_S = 2;

const bench = {
  name: `sink-pipedrive: ${PERSONS.toLocaleString('en-US')} persons at ${MAX} requests / ${WINDOW_S} s`,
  async run() {
    const sandbox = await startPipedriveSandbox({ port: 0, host: '127.0.0.1', plan: 'advanced' });
    const stateDir = mkdtempSync(join(tmpdir(), 'etl-pipedrive-bench-'));
    const load = loadavg()[0];
    try {
      const config = applyConfigDefaults(configSchema, {
        baseUrl: sandbox.baseUrl,
        apiToken: sandbox.token,
        plan: 'advanced',
        name: '{{ name }}',
        email: '{{ name | slug }}.{{ sex | lower }}@babynames.example.com',
        customFields: { 'Baby name sex': '{{ sex }}' },
        ensureFields: [{ name: 'Baby name sex', type: 'enum', options: ['F', 'M'] }],
      });
      const step = { name: 'pipedrive', from: '@etl/sink-pipedrive', plugin: pipedriveSink(), config };
      const { seconds, step: sink } = await syncNames(PERSONS, step, { stateDir, secrets: [sandbox.token] });
      const stats = sandbox.stats();
      // Every request the run sent (users/me, fields, the listing, one POST per person) counts against the window.
      const floorSeconds = (stats.requests / MAX) * WINDOW_S;
      return {
        persons: sandbox.persons().length,
        seconds: Number(seconds.toFixed(2)),
        floorSeconds: Number(floorSeconds.toFixed(2)),
        ratioToFloor: Number((seconds / floorSeconds).toFixed(3)),
        requestsSent: stats.requests,
        http429: refused(stats),
        tokensSpent: stats.tokensSpent,
        retries: sink?.counters.retries ?? 0,
        loadAvg1mStart: Number(load.toFixed(2)),
        loadAvg1mEnd: Number(loadavg()[0].toFixed(2)),
      };
    } finally {
      await sandbox.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  },
};

export default bench;

await runIfMain(import.meta.url, bench);

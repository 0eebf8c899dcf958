// Benchmark: sync 2,000 persons to the Pipedrive stand-in on the Advanced plan (40 requests per rolling 2 s per API
// token), through core's runtime and the real sink (built dist/). Pipedrive has no batch endpoint, so every person is
// one request: the floor that limit sets is (requests sent) / 40 × 2 s, about 100 s; target ≤ 1.1 × that, 0 × 429.
//
// Run alone:  npx tsc -b packages/sink-pipedrive packages/sandbox && node packages/sink-pipedrive/bench/sync.bench.js
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyConfigDefaults, runPipeline } from '@etl/core';
import { memorySource } from '@etl/testing';
import { startPipedriveSandbox } from '@etl/sandbox';
import pipedriveSink, { configSchema } from '@etl/sink-pipedrive';

const PERSONS = Number(process.env.BENCH_PERSONS ?? 2_000);
const MAX = 40;
const WINDOW_S = 2;

// Distinct name + sex records, made one at a time as the runtime asks (memorySource resumes at its position).
const generator = memorySource((i) => (i < PERSONS ? { name: `Name${i}`, sex: i % 2 ? 'M' : 'F' } : undefined), {
  name: 'generator',
  label: 'generator',
  batchSize: 5000,
});

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
      const started = performance.now();
      const summary = await runPipeline(
        {
          name: 'bench',
          file: 'bench.yaml',
          steps: [
            {
              name: 'generator',
              kind: 'source',
              use: 'generator',
              from: 'bench',
              plugin: generator,
              config: {},
              inputs: [],
            },
            {
              name: 'pipedrive',
              kind: 'sink',
              use: 'pipedrive',
              from: '@etl/sink-pipedrive',
              plugin: pipedriveSink(),
              config,
              inputs: ['generator'],
            },
          ],
          limiters: {},
          secrets: [sandbox.token],
        },
        { stateDir },
      );
      const seconds = (performance.now() - started) / 1000;
      if (summary.status !== 'succeeded') throw new Error(`run ${summary.status}: ${summary.error?.message}`);
      const stats = sandbox.stats();
      const sink = summary.steps.find((s) => s.step === 'pipedrive');
      // Every request the run sent (users/me, fields, the listing, one POST per person) counts against the window.
      const floorSeconds = (stats.requests / MAX) * WINDOW_S;
      return {
        persons: sandbox.persons().length,
        seconds: Number(seconds.toFixed(2)),
        floorSeconds: Number(floorSeconds.toFixed(2)),
        ratioToFloor: Number((seconds / floorSeconds).toFixed(3)),
        requestsSent: stats.requests,
        http429: Object.values(stats.rateLimited).reduce((a, b) => a + b, 0),
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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await bench.run(), null, 2));
}

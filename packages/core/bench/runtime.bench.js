// Runtime hot-path benchmark: 2,000,000 small records from an in-memory source through one transform into a no-op
// sink, with real checkpoint commits (fsync) after every sink write. Plain JS on the built dist/ (run `tsc -b` first).
// Alone: `node packages/core/bench/runtime.bench.js`; through the harness: `node bench/run.js runtime`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defineSink, defineSource, defineTransform, runPipeline } from '@etl/core';

// ETL_BENCH_RECORDS overrides the count, e.g. to check that peak memory does not grow with the input.
const RECORDS = Number(process.env.ETL_BENCH_RECORDS ?? 2_000_000);
const SOURCE_BATCH = 5000;
const SINK_BATCH = 10_000;
const NAMES = ['Mary', 'Anna', 'Emma', 'John', 'William', 'James', 'Liam', 'Olivia'];

const source = defineSource({
  name: 'bench-source',
  configSchema: {},
  async *read(_ctx, _config, from) {
    let i = typeof from === 'number' ? from : 0;
    while (i < RECORDS) {
      const n = Math.min(SOURCE_BATCH, RECORDS - i);
      const records = new Array(n);
      for (let j = 0; j < n; j++, i++)
        records[j] = { year: 1880 + (i % 140), name: NAMES[i & 7], sex: i & 1 ? 'F' : 'M', number: i };
      yield { records, position: i };
    }
  },
});

// A typical light transform: builds a new record with one computed field.
const transform = defineTransform({
  name: 'bench-transform',
  configSchema: {},
  create: () => (r) => ({ year: r.year, name: r.name, sex: r.sex, number: r.number, key: r.sex }),
});

let sinkRecords = 0;
const sink = defineSink({
  name: 'bench-sink',
  configSchema: {},
  batchSize: SINK_BATCH,
  async write(_ctx, _config, batch) {
    sinkRecords += batch.records.length;
    return { written: batch.records.length };
  },
});

const bench = {
  name: 'core runtime: 2M records, memory source → 1 transform → no-op sink',
  async run() {
    const stateDir = mkdtempSync(join(tmpdir(), 'etl-bench-runtime-'));
    const pipeline = {
      name: 'bench',
      file: 'bench.yaml',
      limiters: {},
      secrets: [],
      steps: [
        { name: 'src', kind: 'source', use: 'bench-source', from: 'bench', plugin: source, config: {}, inputs: [] },
        {
          name: 'shape',
          kind: 'transform',
          use: 'bench-transform',
          from: 'bench',
          plugin: transform,
          config: {},
          inputs: ['src'],
        },
        { name: 'out', kind: 'sink', use: 'bench-sink', from: 'bench', plugin: sink, config: {}, inputs: ['shape'] },
      ],
    };
    globalThis.gc?.();
    const rssStart = process.memoryUsage().rss;
    let peak = rssStart;
    let rssEarly;
    const sampler = setInterval(() => {
      const rss = process.memoryUsage().rss;
      peak = Math.max(peak, rss);
      if (rssEarly === undefined && sinkRecords >= RECORDS / 10) rssEarly = rss;
    }, 50);
    sinkRecords = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const summary = await runPipeline(pipeline, { stateDir });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    const rssEnd = process.memoryUsage().rss;
    peak = Math.max(peak, rssEnd);
    rmSync(stateDir, { recursive: true, force: true });
    if (summary.status !== 'succeeded' || sinkRecords !== RECORDS) {
      throw new Error(
        `bench run ${summary.status}: ${sinkRecords} of ${RECORDS} records written (${summary.error?.message ?? ''})`,
      );
    }
    const mb = (b) => Math.round((b / 1048576) * 10) / 10;
    return {
      records: RECORDS,
      seconds: Math.round(seconds * 1000) / 1000,
      'records/s': Math.round(RECORDS / seconds),
      // CPU time of this process (user + system): steadier than wall time on a shared machine.
      'cpu seconds': Math.round((cpu.user + cpu.system) / 1000) / 1000,
      commits: summary.steps[2].written / SINK_BATCH,
      'peak RSS MB': mb(peak),
      'RSS growth MB (10%→end)': mb(rssEnd - (rssEarly ?? rssStart)),
    };
  },
};

export default bench;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(bench.name);
  console.table(await bench.run());
}

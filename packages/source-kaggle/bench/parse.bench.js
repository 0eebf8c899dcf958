/**
 * Parse and type the full 2,020,863-row baby-names file straight from its zip through the plugin's own `read()`
 * (file mode: the path a run takes after the download).
 * Targets: at most 7 s and 150 MB peak RSS. Plain JS on the built package: `npx tsc -b packages/source-kaggle`,
 * then `node packages/source-kaggle/bench/parse.bench.js` (or through the root bench harness).
 * `KAGGLE_BENCH_ZIP` overrides the archive.
 */
import { pathToFileURL } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyConfigDefaults } from '@etl/core';
import kaggleSource, { configSchema } from '../dist/index.js';

const archive = process.env.KAGGLE_BENCH_ZIP ?? '/work/shared/data/us-baby-names-by-year-of-birth.zip';
const file = 'babyNamesUSYOB-full.csv';

/** The few services `read()` uses in file mode; nothing here is timed. */
function benchContext(root) {
  const logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => logger };
  return {
    pipeline: 'bench',
    step: 'kaggle',
    runId: 'bench',
    logger,
    signal: new AbortController().signal,
    retry: { run: (work) => work(1) },
    limiter: () => undefined,
    state: undefined,
    dirs: { state: join(root, 'state'), run: join(root, 'run'), cache: join(root, 'cache') },
    dryRun: false,
    fresh: false,
    progress() {},
    addSecret() {},
    count() {},
  };
}

const bench = {
  name: 'source-kaggle: parse + type babyNamesUSYOB-full.csv',
  async run() {
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
    const started = performance.now();
    const root = mkdtempSync(join(tmpdir(), 'kaggle-bench-'));
    const ctx = benchContext(root);
    // Hooks get the config with the schema's defaults applied, as the runtime hands it over.
    const config = applyConfigDefaults(configSchema, {
      dataset: 'thedevastator/us-baby-names-by-year-of-birth',
      file,
      mode: 'file',
      path: archive,
      batchSize: 5000,
    });
    const source = kaggleSource({ credentials: { env: {}, home: root } });
    let records = 0;
    let rejects = 0;
    let batches = 0;
    try {
      for await (const batch of source.read(ctx, config, undefined)) {
        records += batch.records.length;
        rejects += batch.rejects?.length ?? 0;
        batches++;
      }
    } finally {
      await source.close?.(ctx, config);
      clearInterval(sampler);
      rmSync(root, { recursive: true, force: true });
    }
    const seconds = (performance.now() - started) / 1000;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    return {
      records,
      rejects,
      batches,
      seconds: Number(seconds.toFixed(2)),
      rowsPerSecond: Math.round((records + rejects) / seconds),
      peakRssMB: Math.round(peakRss / 1e6),
      target: '<= 7 s, <= 150 MB',
    };
  },
};

export default bench;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(bench.name, JSON.stringify(await bench.run()));
}

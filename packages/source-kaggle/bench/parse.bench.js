/**
 * Parse and type the full 2,020,863-row baby-names file straight from its zip, as `read()` does after a download.
 * Targets: at most 7 s and 150 MB peak RSS. Plain JS on the built package: `npx tsc -b packages/source-kaggle`,
 * then `node packages/source-kaggle/bench/parse.bench.js` (or through the root bench harness).
 * `KAGGLE_BENCH_ZIP` overrides the archive.
 */
import { pathToFileURL } from 'node:url';
import { defaultColumns, openEntry, readCsvBatches } from '../dist/index.js';

const archive = process.env.KAGGLE_BENCH_ZIP ?? '/work/shared/data/us-baby-names-by-year-of-birth.zip';
const file = 'babyNamesUSYOB-full.csv';

const bench = {
  name: 'source-kaggle: parse + type babyNamesUSYOB-full.csv',
  async run() {
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
    const started = performance.now();
    const entry = await openEntry(archive, file);
    let records = 0;
    let rejects = 0;
    let batches = 0;
    try {
      for await (const batch of readCsvBatches(entry.stream, { file, columns: defaultColumns, batchSize: 5000 })) {
        records += batch.records.length;
        rejects += batch.rejects.length;
        batches++;
      }
    } finally {
      entry.close();
      clearInterval(sampler);
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

// V8 settings `etl` runs with, applied at start-up by bin/run.js (and by benches that must measure what etl does).
// Both only work through `v8.setFlagsFromString`: `node bin/run.js` and the package managers' shims cannot pass
// start-up flags. Measured in docs/benchmarks.md ("Memory").
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** Largest young-generation semi-space etl lets V8 grow to, in MB (V8's own limit is 16). */
const SEMI_SPACE_MB = 4;

/**
 * `capYoungGeneration: false` leaves the young generation to V8: the cap changes a V8 flag mid-run, which makes V8
 * reject the code caches of files loaded after it (bin/load-bundle.js); `etl validate` streams no records.
 */
export function tuneHeap({ capYoungGeneration = true } = {}) {
  // A run streams millions of short-lived records, many of which live just long enough (in a sink's buffer) to be
  // promoted; V8's default lets the old generation grow to about 4 × what survives before collecting it, so a process
  // whose live heap is 50 MB sat at 300-400 MB. Growing by half keeps the peak near the live size, for ~15 more full
  // collections of ~15 ms each in a 2-million-row run.
  setFlagsFromString('--heap-growing-percent=50');
  if (capYoungGeneration) capSemiSpace(SEMI_SPACE_MB);
}

/**
 * The records that survive a scavenge (they wait in a sink's buffer) make V8 double the young generation's semi-space
 * up to 16 MB: 32 MB resident for garbage. `--max-semi-space-size` is read only when Node starts, but V8 reads
 * `--semi-space-growth-factor` each time it grows the space: once a collection leaves it at `mb`, growth is off.
 */
function capSemiSpace(mb) {
  const semiSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 2;
  const observer = new PerformanceObserver(() => {
    if (semiSpace() < mb * 1024 * 1024) return;
    setFlagsFromString('--semi-space-growth-factor=1');
    observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
}

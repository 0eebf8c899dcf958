/**
 * V8 settings `etl` runs with: applied at start-up by bin/run.js (and by benches that must measure what etl does), the
 * young generation's then sized per run by `sizeYoungGeneration`. Both only work through `v8.setFlagsFromString`:
 * `node bin/run.js` and the package managers' shims cannot pass start-up flags. Measured in docs/benchmarks.md
 * ("Memory").
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import type { ResolvedPipeline } from '@etl/core';

/** Largest young-generation semi-space etl lets V8 grow to while records wait, in MB (V8's own limit is 16). */
const SEMI_SPACE_CAP_MB = 4;
/** V8's own `--semi-space-growth-factor`. */
const V8_SEMI_SPACE_GROWTH = 2;

let capWatch: PerformanceObserver | undefined;

/**
 * `capYoungGeneration: false` leaves the young generation to V8: the cap changes a V8 flag mid-run, which makes V8
 * reject the code caches of files loaded after it (bin/load-bundle.js); `etl validate` streams no records.
 */
export function tuneHeap({ capYoungGeneration = true } = {}): void {
  // A run streams millions of short-lived records, many of which live just long enough (in a sink's buffer) to be
  // promoted; V8's default lets the old generation grow to about 4 × what survives before collecting it, so a process
  // whose live heap is 50 MB sat at 300-400 MB. Growing by half keeps the peak near the live size, for ~15 more full
  // collections of ~15 ms each in a 2-million-row run.
  setFlagsFromString('--heap-growing-percent=50');
  // Capped until a run says otherwise: commands that are not runs (workers, the dashboard) live long and wait.
  if (capYoungGeneration) capSemiSpace(SEMI_SPACE_CAP_MB);
}

/**
 * Records that wait survive scavenges, and V8 doubles the semi-space for them up to 16 MB: 32 MB resident for what is
 * garbage a moment later. They wait where a run's branches go at different speeds (a fan-out to several sinks) or where
 * a step is paced by a rate limit; there the cap keeps ~24 MB off the peak, and its cost (about a tenth more CPU:
 * four times as many scavenges) is hidden by the slower branch. A run with one sink and no pace is bound by the CPU
 * and its destination, and V8's own sizing is faster: the cap is lifted.
 */
export function sizeYoungGeneration(pipeline: Pick<ResolvedPipeline, 'steps'>): 'capped' | 'v8' {
  const sinks = pipeline.steps.filter((step) => step.kind === 'sink').length;
  // A step is paced by a shared `limiter:` or by its plugin's own `rateLimit` (a remote API's default).
  const paced = pipeline.steps.some((step) => step.limiter !== undefined || step.plugin.rateLimit !== undefined);
  if (sinks > 1 || paced) return 'capped';
  capWatch?.disconnect();
  setFlagsFromString(`--semi-space-growth-factor=${V8_SEMI_SPACE_GROWTH}`);
  return 'v8';
}

/**
 * `--max-semi-space-size` is read only when Node starts, but V8 reads `--semi-space-growth-factor` each time it grows
 * the space: once a collection leaves it at `mb`, growth is off.
 */
function capSemiSpace(mb: number): void {
  const semiSpace = () => (getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0) / 2;
  capWatch = new PerformanceObserver(() => {
    if (semiSpace() < mb * 1024 * 1024) return;
    setFlagsFromString('--semi-space-growth-factor=1');
    capWatch?.disconnect();
  });
  capWatch.observe({ entryTypes: ['gc'] });
}

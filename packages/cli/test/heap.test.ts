/**
 * The young-generation policy of `etl run` (src/heap.ts): capped where records wait, V8's own sizing for a plain load.
 * The effect is checked in a Node process of its own (V8 flags are per process), on the built module bin/run.js loads.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResolvedStep } from '@etl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, cliDir } from './helpers.js';

beforeAll(buildCli, 300_000);

const step = (kind: ResolvedStep['kind'], extra: Partial<ResolvedStep> = {}): ResolvedStep =>
  ({ name: kind, kind, use: kind, from: 'test', plugin: {}, config: {}, inputs: [], ...extra }) as ResolvedStep;

/** Peak semi-space (MB) while records survive scavenges, capped at start-up, then after `sizeYoungGeneration(steps)`. */
function semiSpacePeaks(steps: ResolvedStep[]): { capped: number; after: number; policy: string } {
  const heap = pathToFileURL(join(cliDir, 'dist/heap.js')).href;
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    const { tuneHeap, sizeYoungGeneration } = await import(${JSON.stringify(heap)});
    tuneHeap();
    const semi = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 2 / 2 ** 20;
    // 100,000 records alive at a time, each replaced by a newer one: a sink's buffer, as V8 sees it.
    const ring = new Array(100_000);
    async function churn() {
      let peak = 0;
      for (let round = 0; round < 600; round++) {
        for (let i = 0; i < 5_000; i++) ring[(round * 5_000 + i) % ring.length] = { i, name: 'n' + i };
        peak = Math.max(peak, semi());
        await new Promise(setImmediate); // the gc observer runs between batches of 5,000, as in a run
      }
      return peak;
    }
    const capped = await churn();
    const policy = sizeYoungGeneration({ steps: ${JSON.stringify(steps)} });
    console.log(JSON.stringify({ capped, after: await churn(), policy }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

describe('young generation', () => {
  it('stays capped at 4 MB where records wait: a fan-out, or a step paced by a rate', () => {
    const fanOut = semiSpacePeaks([step('source'), step('sink'), step('sink')]);
    expect(fanOut).toMatchObject({ policy: 'capped' });
    expect(fanOut.capped).toBeLessThanOrEqual(4);
    expect(fanOut.after).toBeLessThanOrEqual(4);
    // JSON drops the function: a plugin's `rateLimit` is seen as declared by the object the policy gets.
    const paced = semiSpacePeaks([step('source'), step('sink', { limiter: 'hubspot' })]);
    expect(paced).toMatchObject({ policy: 'capped' });
    expect(paced.after).toBeLessThanOrEqual(4);
  }, 60_000);

  it('is left to V8 for one sink with no pace, and grows past the cap there', () => {
    const load = semiSpacePeaks([step('source'), step('transform'), step('sink')]);
    expect(load).toMatchObject({ policy: 'v8' });
    expect(load.capped).toBeLessThanOrEqual(4);
    expect(load.after).toBeGreaterThan(4);
  }, 60_000);
});

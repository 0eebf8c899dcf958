/** The progress file a running run keeps in its folder: throttled, whole on every read, bounded, final on flush. */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createProgressFile, MAX_SAMPLES, readRunProgress } from '../src/services/run-progress.js';

const counts = (written: number) => ({ read: written + 1, written, rejected: 1, unchanged: 0, filtered: 0 });

describe('run progress file', () => {
  test('writes at most once per interval, with every step noted in the same turn, and the last counts on flush', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'etl-progress-'));
    let clock = 1_000_000;
    const progress = createProgressFile(dir, { now: () => clock });
    progress.update('source', counts(10));
    progress.update('sink', counts(5));
    await progress.idle();
    expect((await readRunProgress(dir))?.steps).toEqual({ source: counts(10), sink: counts(5) });

    clock += 500; // within the interval: noted, not written
    progress.update('sink', counts(8));
    await progress.idle();
    expect((await readRunProgress(dir))?.steps.sink?.written).toBe(5);

    clock += 600;
    progress.update('sink', counts(9));
    await progress.idle();
    const second = await readRunProgress(dir);
    expect(second?.steps.sink?.written).toBe(9);
    expect(second?.samples.map((s) => s.written.sink)).toEqual([5, 9]);

    progress.update('sink', counts(12));
    await progress.flush();
    expect((await readRunProgress(dir))?.steps.sink?.written).toBe(12);
    expect(readdirSync(dir)).toEqual(['progress.json']); // no temp file left behind
  });

  test('keeps a bounded number of samples on long runs, the newest last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'etl-progress-'));
    let clock = 0;
    const progress = createProgressFile(dir, { now: () => clock });
    for (let i = 1; i <= MAX_SAMPLES * 2 + 10; i++) {
      clock += 1000;
      progress.update('sink', counts(i));
      await progress.flush(); // one sample per call, whatever the interval
    }
    const { samples } = (await readRunProgress(dir))!;
    expect(samples.length).toBeLessThanOrEqual(MAX_SAMPLES);
    expect(samples.length).toBeGreaterThan(MAX_SAMPLES / 2);
    expect(samples.at(-1)?.written.sink).toBe(MAX_SAMPLES * 2 + 10);
  });

  test('a missing or torn file reads as no progress', async () => {
    expect(await readRunProgress(mkdtempSync(join(tmpdir(), 'etl-progress-')))).toBeUndefined();
  });
});

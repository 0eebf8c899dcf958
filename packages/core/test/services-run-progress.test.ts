/**
 * A running run's progress, through the folder history store into the run's `progress.json`: throttled, whole on
 * every read, bounded, final on flush; a failing write is reported and does not stop the next ones.
 */
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { folderRunHistory } from '../src/services/run-history-store.js';
import {
  createProgressTracker,
  MAX_SAMPLES,
  readRunProgress,
  type ProgressTrackerOptions,
} from '../src/services/run-progress.js';

const counts = (written: number) => ({ read: written + 1, written, rejected: 1, unchanged: 0, filtered: 0 });

/** A run folder `<state>/runs/<id>` and a tracker writing into it through the folder history store. */
function trackerInRunFolder(dir: string, options: ProgressTrackerOptions) {
  const runId = '20261130-080000-abcd';
  const history = folderRunHistory(dir);
  const runDir = join(dir, 'runs', runId);
  mkdirSync(runDir, { recursive: true });
  return { runDir, tracker: createProgressTracker((p) => history.progress(runId, p), options) };
}

describe('run progress file', () => {
  test('writes at most once per interval, with every step noted in the same turn, and the last counts on flush', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'etl-progress-'));
    let clock = 1_000_000;
    const { runDir, tracker: progress } = trackerInRunFolder(dir, { now: () => clock });
    progress.update('source', counts(10));
    progress.update('sink', counts(5));
    await progress.idle();
    expect((await readRunProgress(runDir))?.steps).toEqual({ source: counts(10), sink: counts(5) });

    clock += 500; // within the interval: noted, not written
    progress.update('sink', counts(8));
    await progress.idle();
    expect((await readRunProgress(runDir))?.steps.sink?.written).toBe(5);

    clock += 600;
    progress.update('sink', counts(9));
    await progress.idle();
    const second = await readRunProgress(runDir);
    expect(second?.steps.sink?.written).toBe(9);
    expect(second?.samples.map((s) => s.written.sink)).toEqual([5, 9]);

    progress.update('sink', counts(12));
    await progress.flush();
    expect((await readRunProgress(runDir))?.steps.sink?.written).toBe(12);
    expect(readdirSync(runDir)).toEqual(['progress.json']); // no temp file left behind
  });

  test('keeps a bounded number of samples on long runs, the newest last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'etl-progress-'));
    let clock = 0;
    const { runDir, tracker: progress } = trackerInRunFolder(dir, { now: () => clock });
    for (let i = 1; i <= MAX_SAMPLES * 2 + 10; i++) {
      clock += 1000;
      progress.update('sink', counts(i));
      await progress.flush(); // one sample per call, whatever the interval
    }
    const { samples } = (await readRunProgress(runDir))!;
    expect(samples.length).toBeLessThanOrEqual(MAX_SAMPLES);
    expect(samples.length).toBeGreaterThan(MAX_SAMPLES / 2);
    expect(samples.at(-1)?.written.sink).toBe(MAX_SAMPLES * 2 + 10);
  });

  test('a failing write is reported, the run goes on, and the next interval writes again', async () => {
    let clock = 0;
    const errors: unknown[] = [];
    const written: number[] = [];
    const tracker = createProgressTracker(
      async (p) => {
        if (written.length === 0 && errors.length === 0) throw new Error('disk full');
        written.push(p.steps.sink!.written);
      },
      { now: () => clock, onError: (error) => errors.push(error) },
    );
    tracker.update('sink', counts(1));
    await tracker.idle();
    clock += 1000;
    tracker.update('sink', counts(2));
    await tracker.flush();
    expect(errors.map((e) => (e as Error).message)).toEqual(['disk full']);
    expect(written).toEqual([2, 2]);
  });

  test('a missing or torn file reads as no progress', async () => {
    expect(await readRunProgress(mkdtempSync(join(tmpdir(), 'etl-progress-')))).toBeUndefined();
  });
});

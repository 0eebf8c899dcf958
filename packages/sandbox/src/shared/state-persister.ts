import { writeLargeJsonFileAtomic } from './atomic-json-file.js';

/**
 * Writes a stand-in's state file at most once per `intervalMs` while changes keep coming (a throttle rather than a
 * pure debounce, so a stand-in under steady load still saves), always through temp file + rename, and once more on
 * close. `changeMark` tells whether anything changed since the last write, so idle periods write nothing. With 100k+
 * records a write takes a second or more on a busy machine, so the pause grows to 10× the last write's duration,
 * keeping persistence under ~10% of the server's time. `listKey` names the big array written record by record.
 */
export class StatePersister<State extends object> {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private lastMark: string;
  private lastWriteMs = 0;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => State,
    private readonly listKey: keyof State & string,
    private readonly changeMark: () => string,
    private readonly intervalMs = 1000,
  ) {
    this.lastMark = changeMark();
  }

  /** Call after anything may have changed. */
  schedule(): void {
    if (this.timer || this.changeMark() === this.lastMark) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.flush().catch(() => {
          // A failed background write is retried on the next change or on close, where the error surfaces.
          this.lastMark = '';
        });
      },
      Math.max(this.intervalMs, 10 * this.lastWriteMs),
    );
    this.timer.unref();
  }

  /** Writes now if anything changed (waits for a write already running first). */
  async flush(force = false): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const run = this.writing.then(async () => {
      const mark = this.changeMark();
      if (!force && mark === this.lastMark) return;
      const started = Date.now();
      const { [this.listKey]: list, ...head } = this.snapshot() as Record<string, unknown>;
      await writeLargeJsonFileAtomic(this.file, head, this.listKey, list as unknown[]);
      this.lastWriteMs = Date.now() - started;
      this.lastMark = mark;
    });
    this.writing = run.catch(() => undefined);
    return run;
  }
}

import { readJsonFile, writeLargeJsonFileAtomic } from '../shared/atomic-json-file.js';
import type { StoreSnapshot } from './contact-store.js';

/** The state file's content. */
export interface HubspotState extends StoreSnapshot {
  version: 1;
  /** The portal this state folder is; absent in files written before account-info existed (one is chosen then). */
  portalId?: number;
  daily?: { day: string; count: number };
}

/** File name inside `stateDir`. */
export const STATE_FILE = 'hubspot-state.json';

export async function loadState(file: string): Promise<HubspotState | undefined> {
  const state = await readJsonFile<HubspotState>(file);
  if (state && (state.version !== 1 || !Array.isArray(state.contacts))) {
    throw new Error(`The HubSpot sandbox state file ${file} has an unknown format. Delete it to start empty.`);
  }
  return state;
}

/**
 * Writes the state at most once per `intervalMs` while changes keep coming (a throttle rather than a pure debounce,
 * so a sandbox under steady load still saves), always through temp file + rename, and once more on close.
 * `changeMark` tells whether anything changed since the last write, so idle periods write nothing. With 100k+
 * contacts a write takes a second or more on a busy machine, so the pause grows to 10× the last write's duration,
 * keeping persistence under ~10% of the server's time.
 */
export class StatePersister {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private lastMark = '';
  private lastWriteMs = 0;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => HubspotState,
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
      const { contacts, ...head } = this.snapshot();
      await writeLargeJsonFileAtomic(this.file, head, 'contacts', contacts);
      this.lastWriteMs = Date.now() - started;
      this.lastMark = mark;
    });
    this.writing = run.catch(() => undefined);
    return run;
  }
}

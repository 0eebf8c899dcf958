import { readJsonFile, writeLargeJsonFileAtomic } from '../shared/atomic-json-file.js';
import type { Company } from './context.js';
import type { StoreSnapshot } from './store.js';

/** The state file's content. */
export interface PipedriveState extends StoreSnapshot {
  version: 1;
  company: Company;
  /** Tokens spent on `day` (UTC, the stand-in's clock). */
  daily: { day: string; spent: number };
  /** The clock shift a test set, so a restart stays on the same (moved) day. */
  clockShiftMs: number;
}

/** File name inside `stateDir`. */
export const PIPEDRIVE_STATE_FILE = 'pipedrive-state.json';

export async function loadState(file: string): Promise<PipedriveState | undefined> {
  const state = await readJsonFile<PipedriveState>(file);
  if (state && (state.version !== 1 || !Array.isArray(state.persons) || typeof state.company?.companyId !== 'number')) {
    throw new Error(`The Pipedrive sandbox state file ${file} has an unknown format. Delete it to start empty.`);
  }
  return state;
}

/**
 * Writes the state at most once per `intervalMs` while changes keep coming, always through temp file + rename, and once
 * more on close; `changeMark` tells whether anything changed since the last write. (HubSpot's persister does the same
 * for its own file shape; this one's list is `persons`.)
 */
export class StatePersister {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private lastMark: string;
  private lastWriteMs = 0;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => PipedriveState,
    private readonly changeMark: () => string,
    private readonly intervalMs = 1000,
  ) {
    this.lastMark = changeMark();
  }

  schedule(): void {
    if (this.timer || this.changeMark() === this.lastMark) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.flush().catch(() => {
          // Retried on the next change or on close, where the error surfaces.
          this.lastMark = '';
        });
      },
      Math.max(this.intervalMs, 10 * this.lastWriteMs),
    );
    this.timer.unref();
  }

  async flush(force = false): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const run = this.writing.then(async () => {
      const mark = this.changeMark();
      if (!force && mark === this.lastMark) return;
      const started = Date.now();
      const { persons, ...head } = this.snapshot();
      await writeLargeJsonFileAtomic(this.file, head, 'persons', persons);
      this.lastWriteMs = Date.now() - started;
      this.lastMark = mark;
    });
    this.writing = run.catch(() => undefined);
    return run;
  }
}

import { readJsonFile } from '../shared/atomic-json-file.js';
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

import { readJsonFile } from '../shared/atomic-json-file.js';
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

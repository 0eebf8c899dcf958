/**
 * What this step last sent to HubSpot, per contact identity: a hash of the properties and the HubSpot id.
 *
 * Kept in `ctx.state`, so entries are staged as batches are acknowledged and become durable with the runtime's
 * checkpoint: the ledger never claims a contact that HubSpot did not acknowledge, and a rerun sends only changes.
 */
import { createHash } from 'node:crypto';
import type { StepState } from '@etl/core';

/** `[hash, hubspotId]`: an array keeps the checkpoint small at 100k+ contacts. */
export type LedgerEntry = [hash: string, id: string];

const PREFIX = 'c:';

/** Stable hash of a property set (key order does not matter). */
export function hashProperties(properties: Record<string, string>): string {
  const keys = Object.keys(properties).sort();
  const hash = createHash('sha256');
  for (const key of keys) hash.update(key).update('\u0000').update(properties[key]).update('\u0001');
  return hash.digest('base64url').slice(0, 22);
}

export class Ledger {
  constructor(private readonly state: StepState) {}

  get(identity: string): LedgerEntry | undefined {
    const entry = this.state.get<LedgerEntry>(PREFIX + identity);
    return Array.isArray(entry) && entry.length === 2 ? entry : undefined;
  }

  /** Stages what HubSpot acknowledged; durable with the next checkpoint. */
  record(identity: string, hash: string, id: string): void {
    this.state.set(PREFIX + identity, [hash, id]);
  }

  /** Forgets a contact (reconcile found the portal contradicts the claim), so the next write sends it again. */
  drop(identity: string): void {
    this.state.delete(PREFIX + identity);
  }

  /** Every identity the ledger claims, snapshotted first so callers may drop entries while they go. */
  identities(): string[] {
    const found: string[] = [];
    for (const key of this.state.keys()) if (key.startsWith(PREFIX)) found.push(key.slice(PREFIX.length));
    return found;
  }

  /** True when the contact was last sent with exactly these properties. */
  isUnchanged(identity: string, hash: string): boolean {
    return this.get(identity)?.[0] === hash;
  }

  get size(): number {
    let count = 0;
    for (const key of this.state.keys()) if (key.startsWith(PREFIX)) count++;
    return count;
  }
}

/**
 * A sink's ledger: what this step last sent to its destination, per record identity (a hash of what was sent and
 * the id the destination gave it), kept in `ctx.state`.
 *
 * `ctx.state` is already per destination (the runtime binds it to `<step>@<destination id>`), and its writes are
 * staged and become durable with the runtime's checkpoint: record an entry only once the destination acknowledged
 * the record, and the ledger never claims what the destination does not hold; a rerun sends only what changed.
 * `reconcile()` reads the claims back (`identityBatches()`) and `drop()`s the ones the destination contradicts.
 */
import { createHash } from 'node:crypto';
import type { StepState } from '../plugins/types.js';

/** What the ledger holds for one identity: the hash of what was sent, and the destination's id for it (if any). */
export interface LedgerEntry {
  hash: string;
  id?: string;
}

export interface Ledger {
  get(identity: string): LedgerEntry | undefined;
  /** True when the record was last sent with exactly this hash: it need not be sent again. */
  isUnchanged(identity: string, hash: string): boolean;
  /** Stages what the destination acknowledged; durable with the next checkpoint. */
  record(identity: string, hash: string, id?: string): void;
  /** Forgets one identity (reconcile found the destination contradicts it), so the next write sends it again. */
  drop(identity: string): void;
  /** Loads these identities' entries before `get/isUnchanged` read them (needed with a shared state store). */
  load(identities: Iterable<string>): Promise<void>;
  /**
   * Every identity the ledger claims, in key order, `size` at a time, read from the state as the caller goes on (a ledger
   * of a million entries is never listed whole in memory). Callers may drop or record entries between batches.
   */
  identityBatches(size: number): IterableIterator<string[]>;
  /** Number of entries; counts them by reading the keys (nothing is kept). */
  readonly size: number;
}

export interface LedgerOptions {
  /** Key prefix inside `ctx.state`, so a sink may keep other state beside its ledger. @default 'c:' */
  prefix?: string;
}

/** A ledger over a step's state. Entries are `[hash, id?]` arrays: small in the checkpoint at 100k+ records. */
export function createLedger(state: StepState, options: LedgerOptions = {}): Ledger {
  const prefix = options.prefix ?? 'c:';
  const get = (identity: string): LedgerEntry | undefined => {
    const entry = state.get(prefix + identity);
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') return undefined;
    return typeof entry[1] === 'string' ? { hash: entry[0], id: entry[1] } : { hash: entry[0] };
  };
  function* keysOf(identities: Iterable<string>) {
    for (const identity of identities) yield prefix + identity;
  }
  function* identityBatches(size: number): IterableIterator<string[]> {
    let batch: string[] = [];
    for (const key of state.keys()) {
      if (!key.startsWith(prefix)) continue;
      batch.push(key.slice(prefix.length));
      if (batch.length < size) continue;
      yield batch;
      batch = [];
    }
    if (batch.length > 0) yield batch;
  }
  return {
    get,
    isUnchanged: (identity, hash) => get(identity)?.hash === hash,
    record: (identity, hash, id) => state.set(prefix + identity, id === undefined ? [hash] : [hash, id]),
    drop: (identity) => state.delete(prefix + identity),
    load: (identities) => state.prefetch(keysOf(identities)),
    identityBatches,
    get size() {
      let n = 0;
      for (const key of state.keys()) if (key.startsWith(prefix)) n++;
      return n;
    },
  };
}

/**
 * A stable hash of what is sent for one record (key order does not matter): 22 base64url characters of SHA-256.
 * String values hash as themselves, anything else as its JSON.
 */
export function hashRecord(fields: Record<string, unknown>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(fields).sort()) {
    const value = fields[key];
    hash
      .update(key)
      .update('\u0000')
      .update(typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined'))
      .update('\u0001');
  }
  return hash.digest('base64url').slice(0, 22);
}

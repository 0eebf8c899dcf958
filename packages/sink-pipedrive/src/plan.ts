/**
 * The plan of one batch, before any request: which records are over `limit`, rejected, unchanged since the last
 * acknowledged send (the ledger), known to the ledger but changed (a PATCH of the id it holds), or unknown (they need
 * the one listing of the account, then a POST or PATCH each); and what that costs in tokens.
 */
import type { DataRecord, Ledger, Rejection, SinkBatch } from '@etl/core';
import { COST } from './limits.js';
import type { Mapped, Person } from './mapping.js';
import { PAGE } from './persons.js';

export interface Item {
  identity: string;
  person: Person;
  hash: string;
  location: string;
  record: DataRecord;
  /** The person id the ledger holds, when it knows the record. */
  id?: string;
}

export interface BatchPlan {
  items: Item[];
  rejects: Rejection[];
  unchanged: number;
  skipped: number;
  /** Acknowledged by an earlier, failed attempt of this write: written by this write, not unchanged (true: created). */
  retried: boolean[];
  /** Records considered so far in the run, this batch included (for `limit`). */
  considered: number;
}

export interface PlanInput {
  batch: SinkBatch;
  map: (record: DataRecord) => Mapped;
  ledger: Ledger;
  /** Identity → created, for what this run's failed attempts of the write had acknowledged. */
  acked: Map<string, boolean>;
  ignoreLedger: boolean;
  limit: number | null;
  considered: number;
}

export function planBatch(input: PlanInput): BatchPlan {
  const { batch, ledger, acked } = input;
  const byIdentity = new Map<string, Item>();
  const plan: BatchPlan = {
    items: [],
    rejects: [],
    unchanged: 0,
    skipped: 0,
    retried: [],
    considered: input.considered,
  };
  batch.records.forEach((record, index) => {
    if (input.limit !== null && plan.considered >= input.limit) {
      plan.skipped++;
      return;
    }
    plan.considered++;
    const location = batch.locate(index);
    const mapped = input.map(record);
    if (!mapped.ok) {
      plan.rejects.push({ location, reason: mapped.reason, record });
      return;
    }
    const entry = ledger.get(mapped.identity);
    const same = entry?.hash === mapped.hash;
    if (same && acked.has(mapped.identity)) {
      plan.retried.push(acked.get(mapped.identity)!);
      return;
    }
    if (same && !input.ignoreLedger) {
      plan.unchanged++;
      return;
    }
    const earlier = byIdentity.get(mapped.identity);
    if (earlier)
      plan.rejects.push({
        location: earlier.location,
        reason: `Superseded by the record at ${location} with the same email (${mapped.identity}); only that one is sent.`,
        record: earlier.record,
      });
    byIdentity.set(mapped.identity, { ...mapped, location, record, id: entry?.id });
  });
  plan.items = [...byIdentity.values()];
  return plan;
}

/** What a run would send, summed over its batches, and what it costs. */
export class PlanTotals {
  known = 0;
  unknown = 0;
  unchanged = 0;
  skipped = 0;
  rejected = 0;

  add(plan: BatchPlan): void {
    this.known += plan.items.filter((i) => i.id !== undefined).length;
    this.unknown += plan.items.filter((i) => i.id === undefined).length;
    this.unchanged += plan.unchanged;
    this.skipped += plan.skipped;
    this.rejected += plan.rejects.length;
  }

  /** Tokens: 5 per write, plus one listing (10 per 500 persons held, at least one page) when a record is unknown. */
  tokens(accountPages = 1): number {
    return (this.known + this.unknown) * COST.createPerson + (this.unknown > 0 ? accountPages * COST.listPersons : 0);
  }

  describe(budgetLeft: number | undefined, requestsPer2s: number): string {
    const writes = this.known + this.unknown;
    const cost = this.tokens();
    const parts = [
      `${writes} persons to send: ${this.known} changed since the ledger's send (PATCH), ${this.unknown} unknown to the ledger`,
      this.unknown > 0
        ? `the unknown ones need one listing of the account (${COST.listPersons} tokens per ${PAGE} persons it holds), then a POST or a PATCH each`
        : 'no listing needed',
      `about ${cost} tokens (${COST.createPerson} per write${this.unknown > 0 ? ` + ${COST.listPersons} per listed page` : ''}) and ${Math.ceil(writes / requestsPer2s) * 2} s at ${requestsPer2s} requests / 2 s`,
      `${this.unchanged} unchanged, ${this.skipped} over the limit, ${this.rejected} rejected`,
    ];
    if (budgetLeft !== undefined)
      parts.push(
        budgetLeft >= cost
          ? `${budgetLeft} tokens left today: enough`
          : `${budgetLeft} tokens left today: the run would stop after about ${Math.max(0, Math.floor((budgetLeft - COST.listPersons) / COST.createPerson))} persons and resume after the daily reset`,
      );
    return `Plan: ${parts.join('; ')}.`;
  }
}

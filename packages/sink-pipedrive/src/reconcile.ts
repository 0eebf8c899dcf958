/**
 * `etl run --reconcile`: reads back, 100 ids a request (10 tokens), the persons the ledger claims, and drops each claim
 * Pipedrive contradicts (deleted, or changed since it was sent), so the write that follows sends those again.
 */
import type { Ledger, ReconcileReport, StepContext } from '@etl/core';
import type { PipedriveClient } from './client.js';
import type { FieldMap } from './fields.js';
import { readPersons } from './persons.js';

export async function reconcileLedger(
  ctx: StepContext,
  client: PipedriveClient,
  ledger: Ledger,
  fields: FieldMap,
  dropped: Set<string>,
): Promise<ReconcileReport> {
  const total = ledger.size;
  const report = { checked: 0, missing: 0, different: 0, reads: 0 };
  // 100 claims a read, taken from the ledger as the reads go: a large ledger is never listed whole.
  for (const identities of ledger.identityBatches(100)) {
    await ledger.load(identities); // a shared state store serves only loaded keys
    const chunk = identities.flatMap((identity) => {
      const entry = ledger.get(identity);
      return entry?.id ? [{ identity, ...entry, id: entry.id }] : [];
    });
    if (chunk.length === 0) continue;
    const held = await readPersons(
      client,
      chunk.map((c) => c.id),
      fields,
    );
    report.reads++;
    for (const claim of chunk) {
      report.checked++;
      const found = held.get(claim.id);
      if (found && found.hash === claim.hash) continue;
      if (found) report.different++;
      else report.missing++;
      ledger.drop(claim.identity);
      dropped.add(claim.identity);
    }
    ctx.progress({
      phase: 'reconciling Pipedrive persons',
      done: report.checked,
      total,
      unit: 'records',
    });
  }
  return report;
}

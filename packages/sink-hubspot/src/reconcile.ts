/**
 * `etl run --reconcile`: compares what the ledger claims HubSpot holds with what it does hold, and forgets the claims
 * it contradicts so this run sends those contacts again. A person may delete or edit contacts in HubSpot; without
 * this the ledger would call them unchanged forever.
 */
import {
  hashRecord as hashProperties,
  RetriableError,
  type Ledger,
  type ReconcileReport,
  type StepContext,
} from '@etl/core';
import type { HubspotClient } from './client.js';
import type { HubspotConfig } from './config.js';
import { READ_BATCH, readHeld, type HeldContact } from './upsert.js';

export interface ReconcileDeps {
  client: HubspotClient;
  ledger: Ledger;
  /** Identities whose entry was dropped here; the write path counts `resent` when one is acknowledged again. */
  dropped: Set<string>;
}

/**
 * The hash the mapper would have stored for the contact as HubSpot holds it: the mapped properties only, an empty
 * value (HubSpot answers null) as the empty string the mapper renders.
 */
export function heldHash(contact: HeldContact, mapped: string[]): string {
  const values: Record<string, string> = {};
  for (const name of mapped) values[name] = contact.properties[name] ?? '';
  return hashProperties(values);
}

/** Reads the ledger's contacts back (one `batch/read` per 100 entries) and drops the entries HubSpot contradicts. */
export async function reconcileLedger(
  ctx: StepContext,
  config: HubspotConfig,
  deps: ReconcileDeps,
): Promise<ReconcileReport> {
  const { client, ledger, dropped } = deps;
  const mapped = Object.keys(config.properties);
  // Counted first (for progress), then read 100 at a time as the reads go: a ledger of a million is never listed whole.
  const total = ledger.size;
  const chunks = ledger.identityBatches(READ_BATCH);
  const report = { checked: 0, missing: 0, different: 0, reads: 0 };

  const check = async (chunk: string[]) => {
    const held = await readHeld(client, config.object, config.idProperty, chunk, mapped);
    // Loaded right before the synchronous loop below: a shared state store serves only the keys loaded last.
    await ledger.load(chunk);
    report.reads++;
    ctx.count('reconcileReads');
    let missing = 0;
    let different = 0;
    for (const identity of chunk) {
      const entry = ledger.get(identity);
      if (!entry) continue;
      const contact = held.get(identity);
      if (!contact || heldHash(contact, mapped) !== entry.hash) {
        if (contact) different++;
        else missing++;
        ledger.drop(identity);
        dropped.add(identity);
      } else if (contact.id !== entry.id) {
        // Same content under another record id (deleted and created again by someone): keep the claim, fix the id.
        ledger.record(identity, entry.hash, contact.id);
      }
    }
    report.checked += chunk.length;
    report.missing += missing;
    report.different += different;
    if (missing > 0) ctx.count('missing', missing);
    if (different > 0) ctx.count('different', different);
    ctx.progress({
      phase: 'reconciling the ledger with HubSpot',
      done: report.checked,
      total,
      unit: 'records',
    });
  };

  // A few reads in flight, paced by the limiter like every request; a failure stops the others from starting more.
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined) {
      if (ctx.signal.aborted) {
        failure ??= new RetriableError(
          'Reconcile stopped: the run is stopping. Run the same command again to reconcile the rest.',
          { code: 'HUBSPOT_ABORTED' },
        );
        return;
      }
      const next = chunks.next();
      if (next.done) return;
      try {
        await check(next.value);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.concurrency, Math.ceil(total / READ_BATCH)) }, worker));
  if (failure !== undefined) throw failure;

  ctx.logger.info(
    `Reconciled ${report.checked} ledger entries with HubSpot in ${report.reads} reads: ${report.missing} missing, ${report.different} different; they are sent again in this run.`,
    { ...report },
  );
  return report;
}

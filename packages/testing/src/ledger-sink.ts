import { createHash } from 'node:crypto';
import {
  defineSink,
  FatalError,
  type DataRecord,
  type ReconcileReport,
  type SinkPlugin,
  type WriteResult,
} from '@etl/core';

/** An in-memory stand-in for a remote destination (a CRM account): what it holds per key, and what it was asked. */
export interface FakeDestination {
  readonly id: string;
  /** key → content hash of what it holds; tests delete or change entries as a person in the CRM would. */
  readonly records: Map<string, string>;
  writes: number;
  reads: number;
}

export const fakeDestination = (id: string): FakeDestination => ({ id, records: new Map(), writes: 0, reads: 0 });

export interface LedgerSinkOptions {
  /** The field that identifies a record at the destination (like an email). @default 'id' */
  key?: string;
  /** Records per write. */
  batchSize?: number;
  /** Fail the Nth write call (1-based) with a FatalError, after nothing of that batch was sent. */
  failAt?: number;
  /** Keys per read request in `reconcile()`. @default 100 */
  readBatch?: number;
}

const hashOf = (record: DataRecord): string =>
  createHash('sha256').update(JSON.stringify(record)).digest('base64url').slice(0, 16);

/**
 * A sink that behaves like a CRM sink: it names its destination, keeps a ledger of what it sent in `ctx.state` (and
 * sends only what changed), and can reconcile its ledger with the destination. `target()` says where it writes now,
 * so a test can switch destinations between runs as a user switches portals.
 */
export function ledgerSink(
  target: () => FakeDestination,
  options: LedgerSinkOptions = {},
): SinkPlugin & { stats: { calls: number } } {
  const key = options.key ?? 'id';
  const readBatch = options.readBatch ?? 100;
  let dropped = new Set<string>();
  const stats = { calls: 0 };
  const plugin = defineSink({
    name: 'ledger',
    description: 'Sends records to an in-memory destination, keeping a ledger of what it holds (tests).',
    configSchema: { type: 'object', description: 'No settings.', properties: {}, additionalProperties: true },
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    destination: () => ({ id: `fake:${target().id}`, label: `fake destination ${target().id}` }),
    async setup() {
      dropped = new Set();
    },
    async reconcile(ctx): Promise<ReconcileReport> {
      const dest = target();
      const keys = [...ctx.state.keys()];
      const report: ReconcileReport = { checked: keys.length, missing: 0, different: 0, reads: 0 };
      for (let i = 0; i < keys.length; i += readBatch) {
        dest.reads++;
        report.reads!++;
        for (const k of keys.slice(i, i + readBatch)) {
          const held = dest.records.get(k);
          if (held === ctx.state.get(k)) continue;
          if (held === undefined) report.missing++;
          else report.different++;
          ctx.state.delete(k);
          dropped.add(k);
        }
      }
      return report;
    },
    async write(ctx, _config, batch): Promise<WriteResult> {
      const call = ++stats.calls;
      if (call === options.failAt)
        throw new FatalError(`ledger sink: induced failure at write ${call}`, { code: 'TEST_INDUCED' });
      const dest = target();
      let written = 0;
      let unchanged = 0;
      for (const record of batch.records) {
        const k = String(record[key]);
        const hash = hashOf(record);
        if (ctx.state.get(k) === hash) {
          unchanged++;
          continue;
        }
        if (!ctx.dryRun) {
          dest.records.set(k, hash);
          ctx.state.set(k, hash);
          if (dropped.delete(k)) ctx.count('resent');
        }
        written++;
      }
      if (written > 0 && !ctx.dryRun) dest.writes++;
      return { written, unchanged };
    },
  });
  return Object.assign(plugin, { stats });
}

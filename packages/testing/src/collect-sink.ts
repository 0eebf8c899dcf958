import {
  defineSink,
  FatalError,
  RetriableError,
  type DataRecord,
  type JsonValue,
  type RunOutcome,
  type SinkBatch,
  type SinkPlugin,
  type WriteResult,
} from '@etl/core';

export interface CollectSinkOptions {
  /** Records per write. @default the runtime's default */
  batchSize?: number;
  /** Plugin name. @default 'collect' */
  name?: string;
  /** Fail the Nth write call (1-based, counting every call including retries). */
  failAt?: number;
  /** How the failing write fails: `fatal` (FatalError), `retriable` (RetriableError), or a given error. @default 'fatal' */
  failWith?: 'fatal' | 'retriable' | Error;
  /** How many consecutive calls fail from `failAt` on. @default 1 */
  failTimes?: number;
  /** Wait this long in each write (a slow sink). */
  delayMs?: number;
  /** Called at the start of each write, e.g. to look at a source's progress (backpressure tests) or abort a run. */
  onWrite?(batch: SinkBatch, call: number): void | Promise<void>;
  /** Rejects records for which this returns a reason. */
  reject?(record: DataRecord): string | undefined;
  /** Keep the checkpoint token like a transactional sink does, and hand it back from restore(). */
  transactional?: boolean;
}

/** What a collecting sink saw, for assertions. */
export interface CollectSinkLog {
  /** Batches written successfully, in order. */
  batches: SinkBatch[];
  /** Records written successfully, in order (rejects excluded). */
  records: DataRecord[];
  /** write() calls so far, including failed ones. */
  calls: number;
  setups: number;
  closes: RunOutcome[];
  /** The last checkpoint token stored (transactional mode). */
  token?: JsonValue;
  dryRunCalls: number;
}

/** A sink that keeps what it is given, and can fail on demand or be slow. */
export function collectSink(options: CollectSinkOptions = {}): SinkPlugin & { log: CollectSinkLog } {
  const log: CollectSinkLog = { batches: [], records: [], calls: 0, setups: 0, closes: [], dryRunCalls: 0 };
  const failTimes = options.failTimes ?? 1;
  const seen = new Set<string>();
  const plugin = defineSink({
    name: options.name ?? 'collect',
    description: 'Keeps written records in memory (tests).',
    configSchema: { type: 'object', description: 'No settings.', properties: {}, additionalProperties: true },
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    // Each collect sink is its own in-memory destination.
    destination: () => ({ id: `memory:${options.name ?? 'collect'}`, label: 'memory (test)' }),
    async setup() {
      log.setups++;
    },
    async restore() {
      return options.transactional ? log.token : undefined;
    },
    async write(ctx, _config, batch): Promise<WriteResult> {
      const call = ++log.calls;
      await options.onWrite?.(batch, call);
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      if (options.failAt !== undefined && call >= options.failAt && call < options.failAt + failTimes) {
        const how = options.failWith ?? 'fatal';
        if (how === 'fatal')
          throw new FatalError(`collect sink: induced failure at write ${call}`, { code: 'TEST_INDUCED' });
        if (how === 'retriable')
          throw new RetriableError(`collect sink: induced temporary failure at write ${call}`, { retryAfterMs: 1 });
        throw how;
      }
      if (ctx.dryRun) {
        log.dryRunCalls++;
        return { written: 0, details: { wouldWrite: batch.records.length } };
      }
      const rejects = [];
      let written = 0;
      let unchanged = 0;
      const lineage = (batch.checkpoint as { lineage?: string } | null)?.lineage ?? '';
      for (let i = 0; i < batch.records.length; i++) {
        // Idempotent like a real sink must be: a retried batch's records are reported unchanged, not kept twice.
        const id = `${lineage}:${batch.refs[i].seq}:${batch.refs[i].index}`;
        if (seen.has(id)) {
          unchanged++;
          continue;
        }
        const reason = options.reject?.(batch.records[i]);
        if (reason) rejects.push({ location: batch.locate(i), reason, record: batch.records[i] });
        else {
          seen.add(id);
          log.records.push(batch.records[i]);
          written++;
        }
      }
      log.batches.push(batch);
      if (options.transactional) log.token = batch.checkpoint;
      return { written, unchanged, rejects };
    },
    async close(_ctx, _config, outcome) {
      log.closes.push(outcome);
    },
  });
  return Object.assign(plugin, { log });
}

import type { ResolvedStep } from '../pipeline/types.js';
import type { JsonValue, SourceBatch, SourcePlugin, StepContext } from '../plugins/types.js';
import type { StepStats } from './context.js';
import type { Flow } from './flow.js';
import { invoke, wrapError } from './invoke.js';

type Pulled = { ok: IteratorResult<SourceBatch> } | { error: unknown };

export interface PumpOptions {
  flow: Flow;
  source: ResolvedStep;
  ctx: StepContext;
  stats: StepStats;
  from: JsonValue | undefined;
  signal: AbortSignal;
  /** A batch of `records` was distributed; the source took `ms` to produce it. */
  onBatch(records: number, ms: number): void;
}

/**
 * Pulls the source lazily: while sinks write one batch, the next is read (one batch of read-ahead), and no further
 * batch is pulled until every sink buffer is below its high-water mark. Stops pulling when the signal aborts or a
 * sink failed; a batch read but not distributed is simply read again on resume. Always ends the iterator and calls
 * the source's `close()`.
 */
export async function pumpSource(o: PumpOptions): Promise<void> {
  const { flow, source, ctx, stats, signal } = o;
  const plugin = source.plugin as SourcePlugin;
  const site = { step: source.name, plugin: source.use, hook: 'read' };
  let iterator: AsyncIterator<SourceBatch> | undefined;
  let next: Promise<Pulled> | undefined;
  let pulledMs = 0;
  // Never let a read-ahead rejection float unhandled while a sink write is awaited.
  const pull = (): Promise<Pulled> => {
    const started = performance.now();
    return iterator!.next().then(
      (ok) => {
        pulledMs = performance.now() - started;
        stats.durationMs += pulledMs;
        return { ok };
      },
      (error: unknown) => {
        stats.durationMs += performance.now() - started;
        return { error };
      },
    );
  };
  try {
    const iterable = await invoke(site, stats, () => plugin.read(ctx, source.config, o.from));
    if (!iterable || typeof (iterable as AsyncIterable<SourceBatch>)[Symbol.asyncIterator] !== 'function') {
      throw wrapError(
        new TypeError('read() must return an async iterable (write it as `async *read(ctx, config, from)`)'),
        site,
      );
    }
    iterator = (iterable as AsyncIterable<SourceBatch>)[Symbol.asyncIterator]();
    if (signal.aborted) return;
    next = pull();
    for (;;) {
      const got = await next;
      next = undefined;
      if ('error' in got) throw wrapError(got.error, site);
      if (got.ok.done) break;
      if (signal.aborted || flow.failure) break;
      // Distribute before reading ahead: a source may reuse its batch array once asked for the next batch.
      const accepted = flow.accept(got.ok.value);
      if (accepted) await accepted; // only with a shared state store (prefetches); the embedded one stays synchronous
      const batchMs = pulledMs;
      next = pull();
      o.onBatch(got.ok.value.records.length, batchMs);
      await flow.waitForRoom(signal);
      if (signal.aborted || flow.failure) break;
    }
  } finally {
    if (next) await next; // let the read-ahead settle before ending the iterator
    if (iterator?.return) {
      try {
        await iterator.return();
      } catch (error) {
        ctx.logger.warn(`ending the source's read failed: ${(error as Error).message}`);
      }
    }
    if (plugin.close) await invoke({ ...site, hook: 'close' }, stats, () => plugin.close!(ctx, source.config));
  }
}

import { defineSource, type DataRecord, type JsonValue, type SourcePlugin } from '@etl/core';

export interface MemorySourceOptions {
  /** Records per batch. @default 100 */
  batchSize?: number;
  /** Plugin name. @default 'memory' */
  name?: string;
  /** Wait this long before each batch (a slow source). */
  delayMs?: number;
  /** Label used in `locate()`: `<label>:<n>` with n the 1-based record number. @default 'memory' */
  label?: string;
}

/** What a memory source has done so far, for assertions (backpressure, resume). */
export interface MemorySourceStats {
  /** Records yielded so far over all runs. */
  read: number;
  /** Batches yielded so far. */
  batches: number;
  /** `from` of each read() call. */
  froms: Array<JsonValue | undefined>;
  /** Times close() was called. */
  closed: number;
}

/** Records a memory source can serve: an array, `(i) => record | undefined` (record i, 0-based), or a generator function. */
export type MemoryRecords = DataRecord[] | ((index: number) => DataRecord | undefined) | (() => Iterator<DataRecord>);

const isGeneratorFunction = (f: unknown): f is () => Iterator<DataRecord> =>
  typeof f === 'function' && f.constructor?.name === 'GeneratorFunction';

/**
 * An in-memory source. Its position is the number of records consumed, so `read(…, from)` resumes exactly after it
 * (a generator is restarted and its first `from` records skipped).
 */
export function memorySource(
  records: MemoryRecords,
  options: MemorySourceOptions = {},
): SourcePlugin & { stats: MemorySourceStats } {
  const batchSize = Math.max(1, options.batchSize ?? 100);
  const label = options.label ?? 'memory';
  const stats: MemorySourceStats = { read: 0, batches: 0, froms: [], closed: 0 };
  let generated: { iterator: Iterator<DataRecord>; next: number } | undefined;
  const fromGenerator =
    (make: () => Iterator<DataRecord>) =>
    (i: number): DataRecord | undefined => {
      if (!generated || i < generated.next) generated = { iterator: make(), next: 0 };
      while (generated.next < i) {
        if (generated.iterator.next().done) return undefined;
        generated.next++;
      }
      const step = generated.iterator.next();
      generated.next++;
      return step.done ? undefined : step.value;
    };
  const at: (i: number) => DataRecord | undefined = Array.isArray(records)
    ? (i) => records[i]
    : isGeneratorFunction(records)
      ? fromGenerator(records)
      : (records as (index: number) => DataRecord | undefined);
  const plugin = defineSource({
    name: options.name ?? 'memory',
    description: 'Yields records held in memory (tests).',
    configSchema: { type: 'object', description: 'No settings.', properties: {}, additionalProperties: true },
    async *read(ctx, _config, from) {
      stats.froms.push(from);
      generated = undefined;
      let start = typeof from === 'number' ? from : 0;
      for (;;) {
        if (ctx.signal.aborted) return;
        if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
        const batch: DataRecord[] = [];
        for (let i = start; batch.length < batchSize; i++) {
          const record = at(i);
          if (record === undefined) break;
          batch.push(record);
        }
        if (batch.length === 0) return;
        const first = start;
        start += batch.length;
        stats.read += batch.length;
        stats.batches++;
        yield { records: batch, position: start, locate: (index: number) => `${label}:${first + index + 1}` };
      }
    },
    async close() {
      stats.closed++;
    },
  });
  return Object.assign(plugin, { stats });
}

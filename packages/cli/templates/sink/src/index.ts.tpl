/**
 * The `__USE__` sink. As generated it writes each record as one JSON file named by its id, into `dir`: replace the
 * marked part of `write()` with calls to your destination (an HTTP API through `createHttpClient`, a database...).
 *
 * What every sink needs is already here:
 * - `configSchema`: JSON Schema with a `description` (and `default`s) per field; hooks get the config with defaults.
 * - `destination()`: names where the step writes; the runtime keeps `ctx.state` (the ledger below) per destination.
 * - `write()`: durable when it resolves; every record is accounted for (written + unchanged + skipped + rejects);
 *   idempotent, because a batch may be written again (after a retry, a crash or a stop).
 * - The ledger (`createLedger(ctx.state)`): what was last sent per record, so a rerun sends only what changed.
 * - The stop protocol: once `ctx.signal` is aborted start nothing new, finish or abandon what is in flight, and
 *   throw; the checkpoint stays before this batch and the next run writes it again, skipping what the ledger holds.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  createLedger,
  defineSink,
  hashRecord,
  RetriableError,
  type ConfigFromSchema,
  type ConfigSchema,
  type Rejection,
  type SinkPlugin,
} from '@etl/core';

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['dir'],
  properties: {
    dir: { type: 'string', minLength: 1, description: 'Folder to write one JSON file per record into (relative to the working folder).', examples: ['.etl/out'] },
    idField: { type: 'string', minLength: 1, default: 'id', description: 'The record field that identifies a record at the destination.' },
  },
} as const satisfies ConfigSchema;

/** The config hooks get, derived from the schema: a field with a `default` is always present. */
export type __TYPE__Config = ConfigFromSchema<typeof configSchema>;

export function __FACTORY__(): SinkPlugin<__TYPE__Config> {
  return defineSink<__TYPE__Config>({
    name: '__USE__',
    description: 'Writes each record as a JSON file named by its id (a generated starting point).',
    configSchema,
    batchSize: 100,

    destination: (_ctx, config) => ({ id: `file://${resolve(config.dir)}`, label: resolve(config.dir) }),

    async setup(ctx, config) {
      if (!ctx.dryRun) await mkdir(resolve(config.dir), { recursive: true });
    },

    async write(ctx, config, batch) {
      const ledger = createLedger(ctx.state);
      const rejects: Rejection[] = [];
      let written = 0;
      let unchanged = 0;
      for (const [index, record] of batch.records.entries()) {
        if (ctx.signal.aborted) throw new RetriableError('Stopped before the batch was written; the next run writes it again.');
        const id = record[config.idField];
        if (typeof id !== 'string' && typeof id !== 'number') {
          rejects.push({ location: batch.locate(index), reason: `the record has no ${config.idField}`, record });
          continue;
        }
        const hash = hashRecord(record);
        if (ledger.isUnchanged(String(id), hash)) {
          unchanged++;
          continue;
        }
        if (!ctx.dryRun) {
          // ---- Replace from here: send the record to your destination. ----
          const file = join(resolve(config.dir), `${encodeURIComponent(String(id))}.json`);
          await writeFile(`${file}.tmp`, JSON.stringify(record));
          await rename(`${file}.tmp`, file);
          // ---- to here. Record it only once the destination acknowledged it. ----
          ledger.record(String(id), hash);
        }
        written++;
      }
      return { written, unchanged, rejects };
    },
  });
}

export default __FACTORY__;

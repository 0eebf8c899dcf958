/**
 * An example sink, small enough to read in one sitting: it appends records to a JSON Lines file.
 *
 * It shows the parts of the contract a real destination needs: a config schema with defaults and descriptions,
 * `destination` to name where it writes (the runtime keeps a sink's state per destination), `setup` to open it, `write` that is durable when it resolves, and `restore` for exactly-once delivery:
 * the file's committed length is saved together with the runtime's checkpoint token, so after a crash the
 * unacknowledged tail is cut off and the runtime resumes right after the last committed record.
 */
import { open, readFile, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import {
  type ConfigFromSchema,
  type ConfigSchema,
  defineSink,
  FatalError,
  type JsonValue,
  type SinkBatch,
  type StepContext,
} from '@etl/core';

const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: {
      type: 'string',
      minLength: 1,
      description: 'The JSON Lines file to write, relative to the working folder.',
    },
    fields: {
      type: 'array',
      items: { type: 'string' },
      description: 'Only these fields, in this order. Default: every field of each record.',
    },
  },
} as const satisfies ConfigSchema;

/** The config hooks get, derived from the schema: `{ path: string; fields?: string[] }`. */
export type JsonlSinkConfig = ConfigFromSchema<typeof configSchema>;

/** What is saved beside the data file after each durable append. */
interface Marker {
  bytes: number;
  checkpoint: JsonValue;
}

export function jsonlSink() {
  let file: FileHandle | undefined;
  let bytes = 0;
  let restored = false;
  const markerPath = (config: JsonlSinkConfig) => `${resolve(config.path)}.checkpoint.json`;

  async function saveMarker(config: JsonlSinkConfig, marker: Marker) {
    // Write-then-rename keeps the marker whole even if the process dies mid-write.
    const tmp = `${markerPath(config)}.tmp`;
    await writeFile(tmp, JSON.stringify(marker));
    await rename(tmp, markerPath(config));
  }

  return defineSink<JsonlSinkConfig>({
    name: 'jsonl',
    description: 'Appends records to a JSON Lines file (an example plugin).',
    configSchema,
    batchSize: 1000,

    /** The file's absolute path: another `path` is another destination, with its own checkpoints. */
    destination: (_ctx, config) => ({ id: `file://${resolve(config.path)}`, label: resolve(config.path) }),

    async setup(ctx: StepContext, config) {
      if (ctx.dryRun) return;
      const path = resolve(config.path);
      mkdirSync(dirname(path), { recursive: true });
      try {
        file = await open(path, 'a+');
      } catch (error) {
        throw new FatalError(`Cannot open ${path} for writing: ${(error as Error).message}`, {
          code: 'JSONL_OPEN',
          suggestions: ['Check that the folder exists and is writable, or change `path`.'],
        });
      }
      bytes = (await file.stat()).size;
    },

    async restore(_ctx, config) {
      const marker = await readFile(markerPath(config), 'utf8').then(
        (text) => JSON.parse(text) as Marker,
        () => undefined,
      );
      if (!marker || !file) return undefined;
      // Anything past the marker was appended but never acknowledged: the runtime will send it again.
      await file.truncate(marker.bytes);
      bytes = marker.bytes;
      restored = true;
      return marker.checkpoint;
    },

    async write(ctx, config, batch: SinkBatch) {
      if (ctx.dryRun || !file) return { written: 0, details: { wouldWrite: batch.records.length } };
      if (!restored && bytes > 0) {
        // A new run (not a resume) replaces what an earlier, completed run wrote.
        await file.truncate(0);
        bytes = 0;
      }
      restored = true;
      const pick = config.fields;
      const text = batch.records
        .map((record) => JSON.stringify(pick ? Object.fromEntries(pick.map((f) => [f, record[f] ?? null])) : record))
        .join('\n');
      const data = Buffer.from(`${text}\n`, 'utf8');
      await file.write(data, 0, data.length, bytes);
      await file.sync();
      bytes += data.length;
      await saveMarker(config, { bytes, checkpoint: batch.checkpoint });
      return { written: batch.records.length };
    },

    async close() {
      await file?.close();
      file = undefined;
    },
  });
}

export default jsonlSink;

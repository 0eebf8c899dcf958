/**
 * Opens the wanted CSV inside a downloaded file, which may be a zip (the usual case) or the bare CSV, as a stream:
 * only one entry is inflated, chunk by chunk, never the whole archive.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import yauzl from 'yauzl';
import { FatalError } from '@etl/core';

export interface OpenedEntry {
  /** The entry's name inside the zip, or the file's own name when it is a bare CSV. */
  name: string;
  /** Uncompressed size when known. */
  size?: number;
  stream: Readable;
  /** Releases the archive; safe to call more than once. */
  close(): void;
}

const zipMagic = [0x50, 0x4b, 0x03, 0x04];
const emptyZipMagic = [0x50, 0x4b, 0x05, 0x06];

export async function isZip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    if (bytesRead < 4) return false;
    const starts = (magic: number[]) => magic.every((byte, i) => buffer[i] === byte);
    return starts(zipMagic) || starts(emptyZipMagic);
  } finally {
    await handle.close();
  }
}

/** Lists a zip's file entries (folders left out). */
export async function listEntries(path: string): Promise<string[]> {
  const zip = await openZip(path);
  try {
    const names: string[] = [];
    for await (const entry of entriesOf(zip)) if (!entry.fileName.endsWith('/')) names.push(entry.fileName);
    return names;
  } finally {
    zip.close();
  }
}

function tooLarge(name: string, bytes: number | string, max: number): FatalError {
  return new FatalError(`kaggle: ${name} inflates to ${bytes} bytes, more than maxEntryBytes (${max}).`, {
    code: 'KAGGLE_ENTRY_TOO_LARGE',
    suggestions: [
      'If the dataset really is this large, raise `maxEntryBytes` in the step config; otherwise the archive is not what it claims to be.',
    ],
    context: { entry: name, maxEntryBytes: max },
  });
}

/** Passes bytes through until more than `max` have gone by, then fails: the declared size of an entry may lie. */
function capped(name: string, max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > max ? tooLarge(name, `more than ${max}`, max) : null, chunk);
    },
  });
}

/**
 * Opens `wanted` (matched by exact name, then by base name so `data/x.csv` matches `x.csv`) as a stream.
 * A missing entry is fatal and the error lists what the archive holds; so is an entry that inflates to more than
 * `maxEntryBytes` (by its header, or as it streams).
 */
export async function openEntry(path: string, wanted: string, maxEntryBytes: number): Promise<OpenedEntry> {
  if (!(await isZip(path))) {
    const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
    return { name: basename(path), stream, close: () => stream.destroy() };
  }
  const zip = await openZip(path);
  try {
    const present: string[] = [];
    let match: yauzl.Entry | undefined;
    for await (const entry of entriesOf(zip)) {
      if (entry.fileName.endsWith('/')) continue;
      present.push(entry.fileName);
      if (entry.fileName === wanted) {
        match = entry;
        break;
      }
      if (!match && basename(entry.fileName) === wanted) match = entry;
    }
    if (!match) {
      throw new FatalError(
        `kaggle: the archive ${basename(path)} has no file "${wanted}". It holds: ${present.length ? present.join(', ') : '(nothing)'}.`,
        {
          code: 'KAGGLE_ENTRY_MISSING',
          suggestions: ['Set `file` to one of the names listed (the dataset page lists its files too).'],
          context: { archive: path, wanted, present },
        },
      );
    }
    const entry = match;
    if (entry.uncompressedSize > maxEntryBytes) throw tooLarge(entry.fileName, entry.uncompressedSize, maxEntryBytes);
    const inflating = await new Promise<Readable>((resolve, reject) =>
      zip.openReadStream(entry, (error, opened) => (error ? reject(error) : resolve(opened))),
    );
    const stream = inflating.pipe(capped(entry.fileName, maxEntryBytes));
    inflating.once('error', (error) => stream.destroy(error));
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      inflating.destroy();
      stream.destroy();
      zip.close();
    };
    stream.once('end', close);
    return { name: entry.fileName, size: entry.uncompressedSize, stream, close };
  } catch (error) {
    zip.close();
    throw wrapZipError(path, error);
  }
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, zip) =>
      error ? reject(wrapZipError(path, error)) : resolve(zip),
    ),
  );
}

/** yauzl's lazy entry events as an async iterable, so callers can stop at the entry they want. */
async function* entriesOf(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  while (true) {
    const next = new Promise<yauzl.Entry | undefined>((resolve, reject) => {
      const onEntry = (entry: yauzl.Entry) => done(entry);
      const onEnd = () => done(undefined);
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      const cleanup = () => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        zip.off('error', onError);
      };
      const done = (entry: yauzl.Entry | undefined) => {
        cleanup();
        resolve(entry);
      };
      zip.on('entry', onEntry);
      zip.on('end', onEnd);
      zip.on('error', onError);
    });
    zip.readEntry();
    const entry = await next;
    if (!entry) return;
    yield entry;
  }
}

function wrapZipError(path: string, error: unknown): unknown {
  if (error instanceof FatalError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new FatalError(`kaggle: ${basename(path)} is not a readable zip archive (${message}).`, {
    code: 'KAGGLE_BAD_ARCHIVE',
    suggestions: ['The download may be damaged: run again with `refresh: true` to download it anew.'],
    cause: error,
  });
}

/**
 * Keys of the LMDB state file (format 2): the namespace's small id, then the key's UTF-8 bytes. Ids below 0xF0 take
 * one byte; larger ones 0xFF and four bytes big-endian, so keys sort by id, then key, and a namespace is one range.
 *
 * Format 1 stored `[id, key]` through lmdb's default (ordered-binary) array encoding: a 9-byte number and a
 * separator before every key. At a ledger of 1.1 million e-mail keys those 9 bytes were a tenth of the file, and
 * every page of the file a sync reads counts in the process's memory (the map is resident).
 */
export type StateKey = [id: number, key: string];

const ONE_BYTE_IDS = 0xf0;
const LONG_ID = 0xff;

/** Writes `key` into `target` at `start` (lmdb's `keyEncoder.writeKey`); returns where it ends. */
export function writeStateKey([id, key]: StateKey, target: Buffer, start: number): number {
  let at = start;
  if (id < ONE_BYTE_IDS) target[at++] = id;
  else {
    target[at++] = LONG_ID;
    target.writeUInt32BE(id, at);
    at += 4;
  }
  if (key.length === 0) return at;
  const written = target.write(key, at, 'utf8');
  // Buffer#write stops silently at the end of the buffer; lmdb retries with a larger one on a RangeError.
  if (written < Buffer.byteLength(key)) throw new RangeError('State key does not fit the key buffer');
  return at + written;
}

/** Reads a key back (lmdb's `keyEncoder.readKey`). */
export function readStateKey(source: Buffer, start: number, end: number): StateKey {
  if (source[start] !== LONG_ID) return [source[start], source.toString('utf8', start + 1, end)];
  return [source.readUInt32BE(start + 1), source.toString('utf8', start + 5, end)];
}

/** The key range of one namespace: from its id with an empty key up to the next id. */
export const rangeOf = (id: number): { start: StateKey; end: StateKey } => ({ start: [id, ''], end: [id + 1, ''] });

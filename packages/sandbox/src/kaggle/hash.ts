import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** What a storage response says about a file: its size, modification time and the hashes GCS reports. */
export interface FileDigest {
  size: number;
  mtime: Date;
  /** Base64 MD5 of the bytes, as in `X-Goog-Hash: md5=…`. */
  md5: string;
  /** Base64 big-endian CRC32C, as in `X-Goog-Hash: crc32c=…`. */
  crc32c: string;
}

// CRC32C (Castagnoli) is what GCS reports; node:zlib only has the other polynomial, and no chosen library covers it.
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** Continues a CRC32C over `chunk`; start with 0. */
export function crc32c(chunk: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0;
  for (let i = 0; i < chunk.length; i++) crc = CRC32C_TABLE[(crc ^ chunk[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** Base64 of a CRC32C value in the 4-byte big-endian form GCS uses. */
export function crc32cBase64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString('base64');
}

/** Reads `path` once, streaming, and returns its size, mtime, MD5 and CRC32C. */
export async function digestFile(path: string): Promise<FileDigest> {
  const md5 = createHash('md5');
  let crc = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    md5.update(chunk as Buffer);
    crc = crc32c(chunk as Buffer, crc);
  }
  const info = await stat(path);
  return { size: info.size, mtime: info.mtime, md5: md5.digest('base64'), crc32c: crc32cBase64(crc) };
}

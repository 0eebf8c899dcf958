import type { DataRecord, RecordRef } from '../plugins/types.js';

/** Records of one source batch waiting in a sink's buffer; `idxs` null means record i came from source index i. */
interface Chunk {
  seq: number;
  recs: DataRecord[];
  idxs: number[] | null;
  from: number;
}

/** A run of records of one source batch inside a sink batch. */
export interface Part {
  seq: number;
  idxs: number[] | null;
  /** Offset of the first record in the chunk's arrays. */
  from: number;
  count: number;
}

/**
 * A sink's buffer, kept as whole arrays handed over by the flow (no per-record copying or bookkeeping); a write takes
 * records off the front, slicing only where a batch boundary cuts through a chunk.
 */
export class SinkBuffer {
  // Consumed chunks (before `head`) are cleared at once: up to 64 source batches of written records would otherwise
  // stay reachable until the next compaction (and be promoted: 327,000 records, most of a MySQL load's heap).
  private chunks: Array<Chunk | undefined> = [];
  private head = 0;
  size = 0;

  push(seq: number, recs: DataRecord[], idxs: number[] | null): void {
    if (recs.length === 0) return;
    this.chunks.push({ seq, recs, idxs, from: 0 });
    this.size += recs.length;
  }

  /** Removes up to `n` records from the front. */
  take(n: number): { records: DataRecord[]; parts: Part[] } {
    const parts: Part[] = [];
    let records: DataRecord[] | undefined;
    let left = Math.min(n, this.size);
    while (left > 0) {
      const chunk = this.chunks[this.head]!;
      const k = Math.min(left, chunk.recs.length - chunk.from);
      // Always a copy: the same array may sit in a sibling sink's buffer, and a sink may mutate what it is given.
      const piece = chunk.recs.slice(chunk.from, chunk.from + k);
      if (records === undefined) records = piece;
      else for (let i = 0; i < piece.length; i++) records.push(piece[i]);
      parts.push({ seq: chunk.seq, idxs: chunk.idxs, from: chunk.from, count: k });
      chunk.from += k;
      left -= k;
      this.size -= k;
      if (chunk.from === chunk.recs.length) this.chunks[this.head++] = undefined;
    }
    if (this.head > 64 || this.head === this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    return { records: records ?? [], parts };
  }
}

/** Source index of the j-th record of a part. */
export const indexIn = (part: Part, j: number): number =>
  part.idxs === null ? part.from + j : part.idxs[part.from + j];

export function refsOf(parts: Part[]): RecordRef[] {
  const refs: RecordRef[] = [];
  for (const part of parts) for (let j = 0; j < part.count; j++) refs.push({ seq: part.seq, index: indexIn(part, j) });
  return refs;
}

/** The part and offset of record `i` of a sink batch. */
export function partAt(parts: Part[], i: number): { part: Part; j: number } | undefined {
  for (const part of parts) {
    if (i < part.count) return { part, j: i };
    i -= part.count;
  }
  return undefined;
}

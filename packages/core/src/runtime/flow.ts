import { EtlError, FatalError } from '../errors.js';
import type { ResolvedStep } from '../pipeline/types.js';
import type {
  DataRecord,
  JsonValue,
  RecordRef,
  RecordTransform,
  SinkBatch,
  SinkPlugin,
  SourceBatch,
  StepContext,
  TransformPlugin,
  TransformRejection,
} from '../plugins/types.js';
import type { CheckpointStore } from '../services/checkpoint.js';
import type { ConfigurableRetryService } from '../services/retry.js';
import type { RejectsWriter } from '../services/run-history.js';
import type { StepStats } from './context.js';
import type { LineageRecord } from './lineage.js';
import { describeValue as describe, invoke, wrapError } from './invoke.js';
import { type SinkBuffer, indexIn, partAt, refsOf, type Part } from './sink-buffer.js';
import { accountWrite } from './write-result.js';

export interface TransformNode {
  kind: 'transform';
  step: ResolvedStep;
  fn: RecordTransform;
  stats: StepStats;
  children: FlowNode[];
}

export interface SinkNode {
  kind: 'sink';
  step: ResolvedStep;
  plugin: SinkPlugin;
  ctx: StepContext;
  stats: StepStats;
  batchSize: number;
  /** The checkpoint-store namespace of the sink's state (bound to its destination). */
  namespace: string;
  /** Buffered records with the source batch and index each came from. */
  buffer: SinkBuffer;
  /** Records at or before this ref were written by an earlier run of this lineage. */
  skip?: RecordRef;
  /** The last record durably written (this run or, until then, the earlier run). */
  last?: RecordRef;
  writing: boolean;
}

export type FlowNode = TransformNode | SinkNode;

/** What the runtime stores as its checkpoint in the journal. */
export interface RuntimeCheckpoint extends LineageRecord {
  v: 1;
  lineage: string;
  runId: string;
  /** `running` until the lineage's run completes; a `done` lineage is not resumed. */
  status: 'running' | 'done';
  /** Seq the first batch re-read on resume gets. */
  nextSeq: number;
  /** Source position to resume after (absent: from the start). */
  position?: JsonValue;
  /** Per sink, the ref of the last record it durably wrote in this lineage. */
  sinks: Record<string, RecordRef>;
}

interface Pending {
  before: JsonValue | undefined;
  outstanding: number;
  locate?: (index: number) => string;
}

export interface FlowOptions {
  roots: FlowNode[];
  sinks: SinkNode[];
  source: ResolvedStep;
  sourceStats: StepStats;
  rejects: RejectsWriter;
  store: CheckpointStore;
  lineage: string;
  /** What the lineage started with, written into every checkpoint (a resume verifies it). */
  lineageFields: Pick<LineageRecord, 'fresh' | 'identity'>;
  runId: string;
  dryRun: boolean;
  nextSeq: number;
  from: JsonValue | undefined;
  /** A write of `records` to `node` ended (written or failed) after `ms`, its retries included. */
  onWrite?(node: SinkNode, records: number, ms: number): void;
}

const cmpRef = (seq: number, index: number, ref: RecordRef): number =>
  seq !== ref.seq ? seq - ref.seq : index - ref.index;

/**
 * Moves records from source batches through transforms into per-sink buffers and writes them in sink-sized batches,
 * one write in flight per sink, committing a checkpoint after each write. Knows, for every source batch that still
 * has unwritten records somewhere, the position to re-read it from: that is the resume point.
 */
export class Flow {
  /** The source batch being distributed (tags transform state writes); 0 between batches. */
  currentSeq = 0;
  failure: EtlError | undefined;
  private flushing = false;
  private nextSeq: number;
  private lastPosition: JsonValue | undefined;
  private readonly pending = new Map<number, Pending>();
  private waiters: Array<() => void> = [];
  private committing: Promise<void> | undefined;
  private sourceRecords: DataRecord[] | undefined;
  private commitAgain = false;

  constructor(private readonly o: FlowOptions) {
    this.nextSeq = o.nextSeq;
    this.lastPosition = o.from;
  }

  /**
   * Distributes one source batch. With the embedded store this is synchronous, so no write completion interleaves
   * with it; with a shared store it awaits each stateful transform's prefetch (see `distributeLoading`).
   */
  accept(batch: SourceBatch): void | Promise<void> {
    const { source, sourceStats, rejects } = this.o;
    const seq = this.nextSeq;
    if (!batch || typeof batch !== 'object' || !Array.isArray(batch.records)) {
      throw new FatalError(
        `Source "${source.use}" of step "${source.name}" yielded ${describe(batch)} instead of a batch.`,
        {
          code: 'SOURCE_BATCH_INVALID',
          context: { step: source.name, plugin: source.use, seq },
          suggestions: ['A source yields `{ records: [...], position }` objects; fix the plugin.'],
        },
      );
    }
    this.nextSeq++;
    const entry: Pending = {
      before: this.lastPosition,
      outstanding: 0,
      locate: typeof batch.locate === 'function' ? batch.locate.bind(batch) : undefined,
    };
    this.pending.set(seq, entry);
    this.lastPosition = batch.position;
    const records = batch.records;
    const sourceRejects = Array.isArray(batch.rejects) ? batch.rejects : [];
    sourceStats.read += records.length + sourceRejects.length;
    sourceStats.written += records.length;
    sourceStats.rejected += sourceRejects.length;
    for (const r of sourceRejects) rejects.write(source.name, r);
    this.currentSeq = seq;
    this.sourceRecords = records;
    const done = () => {
      this.currentSeq = 0;
      this.sourceRecords = undefined;
    };
    if (this.o.store.prefetches) return this.acceptLoading(entry, records, seq).finally(done);
    try {
      this.distribute(this.o.roots, records, null, seq);
    } finally {
      done();
    }
    this.settleAccepted(entry, seq);
  }

  private settleAccepted(entry: Pending, seq: number): void {
    if (entry.outstanding === 0) this.pending.delete(seq);
    for (const sink of this.o.sinks) this.kick(sink);
  }

  /**
   * `accept` over a shared store. Sink writes may finish while a prefetch is awaited: the batch counts one extra
   * outstanding record meanwhile, so a write of its first records cannot retire the batch (and move the resume point
   * past it) before every sink has its share.
   */
  private async acceptLoading(entry: Pending, records: DataRecord[], seq: number): Promise<void> {
    entry.outstanding++;
    try {
      await this.distributeLoading(this.o.roots, records, null, seq);
    } finally {
      entry.outstanding--;
    }
    this.settleAccepted(entry, seq);
  }

  private async distributeLoading(nodes: FlowNode[], recs: DataRecord[], idxs: number[] | null, seq: number) {
    for (const node of nodes) {
      if (node.kind === 'sink') {
        this.buffer(node, recs, idxs, seq);
        continue;
      }
      const stateKeys = (node.step.plugin as TransformPlugin).stateKeys;
      if (stateKeys) await this.o.store.prefetch(node.step.name, stateKeys(node.step.config, recs));
      const out = this.runTransform(node, recs, idxs, seq);
      if (out) await this.distributeLoading(node.children, out.recs, out.idxs, seq);
    }
  }

  locate(seq: number, index: number): string {
    const locate = this.pending.get(seq)?.locate;
    return locate ? locate(index) : `${this.o.source.name} batch ${seq} record ${index + 1}`;
  }

  /** `locate(i)` for a sink batch that keeps working after the source batches it came from are done. */
  private locator(parts: Part[]): (i: number) => string {
    const bySeq = new Map<number, ((index: number) => string) | undefined>();
    for (const part of parts) if (!bySeq.has(part.seq)) bySeq.set(part.seq, this.pending.get(part.seq)?.locate);
    const source = this.o.source.name;
    return (i) => {
      const at = partAt(parts, i);
      if (!at) return `${source} (no record ${i} in this batch)`;
      const index = indexIn(at.part, at.j);
      const locate = bySeq.get(at.part.seq);
      return locate ? locate(index) : `${source} batch ${at.part.seq} record ${index + 1}`;
    };
  }

  private distribute(nodes: FlowNode[], recs: DataRecord[], idxs: number[] | null, seq: number): void {
    for (const node of nodes) {
      if (node.kind === 'transform') this.transform(node, recs, idxs, seq);
      else this.buffer(node, recs, idxs, seq);
    }
  }

  private transform(node: TransformNode, recs: DataRecord[], idxs: number[] | null, seq: number): void {
    const out = this.runTransform(node, recs, idxs, seq);
    if (out) this.distribute(node.children, out.recs, out.idxs, seq);
  }

  /** Applies a transform to a batch; returns what it passed on (undefined when nothing), for its children. */
  private runTransform(node: TransformNode, recs: DataRecord[], idxs: number[] | null, seq: number) {
    const { fn, stats, step } = node;
    const outR: DataRecord[] = [];
    // Source indices of the outputs; built only once a record is dropped (until then they equal the inputs').
    let outI: number[] | null = null;
    const started = performance.now();
    let filtered = 0;
    let rejected = 0;
    for (let i = 0; i < recs.length; i++) {
      const index = idxs === null ? i : idxs[i];
      let out;
      try {
        out = fn(recs[i], { seq, index });
      } catch (error) {
        throw wrapError(error, {
          step: step.name,
          plugin: step.use,
          hook: 'transform',
          seq,
          index,
          location: this.locate(seq, index),
        });
      }
      if (
        out !== null &&
        out !== undefined &&
        (out as TransformRejection).__rejected !== true &&
        typeof out === 'object'
      ) {
        outR.push(out as DataRecord);
        if (outI !== null) outI.push(index);
        continue;
      }
      if (outI === null) {
        outI = new Array<number>(outR.length);
        for (let k = 0; k < outR.length; k++) outI[k] = idxs === null ? k : idxs[k];
      }
      if (out === null || out === undefined) filtered++;
      else if ((out as TransformRejection).__rejected === true) {
        rejected++;
        this.o.rejects.write(step.name, {
          location: this.locate(seq, index),
          reason: (out as TransformRejection).reason,
          record: recs[i],
        });
      } else {
        throw new FatalError(`Transform "${step.use}" of step "${step.name}" returned ${describe(out)} for a record.`, {
          code: 'TRANSFORM_OUTPUT_INVALID',
          context: { step: step.name, plugin: step.use, seq, index },
          suggestions: ['A transform returns a record object, null to filter it out, or rejectRecord(reason).'],
        });
      }
    }
    stats.read += recs.length;
    stats.written += outR.length;
    stats.filtered += filtered;
    stats.rejected += rejected;
    stats.durationMs += performance.now() - started;
    return outR.length > 0 ? { recs: outR, idxs: outI === null ? idxs : outI } : undefined;
  }

  private buffer(node: SinkNode, recs: DataRecord[], idxs: number[] | null, seq: number): void {
    const skip = node.skip;
    if (skip !== undefined && seq <= skip.seq) {
      // Resumed run: drop what this sink already wrote in the earlier run.
      const keptR: DataRecord[] = [];
      const keptI: number[] = [];
      for (let i = 0; i < recs.length; i++) {
        const index = idxs === null ? i : idxs[i];
        if (cmpRef(seq, index, skip) <= 0) node.stats.skipped++;
        else {
          keptR.push(recs[i]);
          keptI.push(index);
        }
      }
      recs = keptR;
      idxs = keptI;
    }
    // The source's own array may be reused by the source for its next batch; the buffer keeps it longer than that.
    if (recs === this.sourceRecords) recs = recs.slice();
    node.buffer.push(seq, recs, idxs);
    node.stats.read += recs.length;
    this.pending.get(seq)!.outstanding += recs.length;
  }

  /** Starts a write on `node` if it has a full batch (or anything, while flushing) and none in flight. */
  kick(node: SinkNode): void {
    if (node.writing || this.failure) return;
    const n = node.buffer.size;
    if (n === 0 || (n < node.batchSize && !this.flushing)) return;
    node.writing = true;
    this.write(node, Math.min(n, node.batchSize)).then(
      () => {
        node.writing = false;
        this.kick(node);
        this.wake();
      },
      (error: unknown) => {
        node.writing = false;
        this.failure ??=
          error instanceof EtlError
            ? error
            : wrapError(error, { step: node.step.name, plugin: node.step.use, hook: 'write' });
        this.wake();
      },
    );
  }

  private async write(node: SinkNode, n: number): Promise<void> {
    const { step, plugin, ctx, stats } = node;
    const { records, parts } = node.buffer.take(n);
    const lastPart = parts[parts.length - 1];
    const last: RecordRef = { seq: lastPart.seq, index: indexIn(lastPart, lastPart.count - 1) };
    let refs: RecordRef[] | undefined;
    // Refs are built only if the sink looks at them: most sinks never do, and it is one object per record.
    const batch: SinkBatch = {
      records,
      get refs() {
        return (refs ??= refsOf(parts));
      },
      locate: this.locator(parts),
      checkpoint: { lineage: this.o.lineage, seq: last.seq, index: last.index },
    };
    const site = { step: step.name, plugin: step.use, hook: 'write', seq: last.seq };
    // The sink's own staged state (a ledger) must not be committed by another sink's commit before this write is durable.
    this.o.store.hold(node.namespace, true);
    const started = performance.now();
    try {
      const result = await (ctx.retry as ConfigurableRetryService).run(
        () => invoke(site, stats, () => plugin.write(ctx, step.config, batch)),
        { operation: `write of ${n} records to step "${step.name}"` },
      );
      accountWrite(step, stats, result, n, this.o.dryRun, this.o.rejects);
    } finally {
      this.o.onWrite?.(node, n, performance.now() - started);
    }
    this.o.store.hold(node.namespace, false);
    node.last = last;
    for (const part of parts) {
      const entry = this.pending.get(part.seq)!;
      entry.outstanding -= part.count;
      if (entry.outstanding === 0) this.pending.delete(part.seq);
    }
    if (!this.o.dryRun) this.requestCommit();
  }

  /**
   * Commits in the background so the next write need not wait for an fsync. Requests made while a commit runs are
   * folded into one more commit, which reads the state as it is when it starts (so nothing is left out).
   */
  private requestCommit(): void {
    if (this.committing) {
      this.commitAgain = true;
      return;
    }
    this.committing = (async () => {
      do {
        this.commitAgain = false;
        await this.commit('running');
      } while (this.commitAgain);
    })()
      .catch((error: unknown) => {
        this.failure ??=
          error instanceof EtlError
            ? error
            : new FatalError(`Could not save the checkpoint: ${(error as Error).message}`, {
                code: 'CHECKPOINT_WRITE',
                cause: error,
                suggestions: [
                  'Check that the state folder is writable and the disk is not full, then run again to resume.',
                ],
              });
      })
      .finally(() => {
        this.committing = undefined;
        this.wake();
      });
  }

  /** Resolves once background commits are done. */
  async commitsDone(): Promise<void> {
    while (this.committing) await this.committing;
  }

  /** Where a resumed run restarts: before the oldest source batch with unwritten records (or after the last one). */
  resumePoint(): { seq: number; position: JsonValue | undefined } {
    for (const [seq, entry] of this.pending) return { seq, position: entry.before };
    return { seq: this.nextSeq, position: this.lastPosition };
  }

  /** One journal commit: every sink's last written ref, the resume point, and the staged state it covers. */
  commit(status: RuntimeCheckpoint['status']): Promise<void> {
    const point = this.resumePoint();
    const sinks: Record<string, RecordRef> = {};
    for (const node of this.o.sinks) {
      const ref = node.last ?? node.skip;
      if (ref) sinks[node.step.name] = ref;
    }
    const { fresh, identity } = this.o.lineageFields;
    const cp: RuntimeCheckpoint = {
      v: 1,
      lineage: this.o.lineage,
      runId: this.o.runId,
      status,
      nextSeq: point.seq,
      sinks,
      fresh,
      identity,
    };
    if (point.position !== undefined) cp.position = point.position;
    return this.o.store.commit(cp as unknown as JsonValue, { upTo: point.seq });
  }

  /** Resolves once no sink buffer is over its high-water mark (two batches), or the flow failed. */
  async waitForRoom(signal: AbortSignal): Promise<void> {
    while (!this.failure && !signal.aborted && this.o.sinks.some((s) => s.buffer.size >= 2 * s.batchSize))
      await this.wait();
  }

  /** Writes everything still buffered, then resolves (or stops at the first failure). */
  async drain(): Promise<void> {
    this.flushing = true;
    for (const sink of this.o.sinks) this.kick(sink);
    while (!this.failure && this.o.sinks.some((s) => s.writing || s.buffer.size > 0)) await this.wait();
    await this.commitsDone();
  }

  /** Waits for writes in flight to end (after a failure: their checkpoints still count). */
  async settle(): Promise<void> {
    while (this.o.sinks.some((s) => s.writing)) await this.wait();
    await this.commitsDone();
  }

  /** Resolves at the next `wake()` (a write ended, or the run's signal fired: the runtime wires it to `wake`). */
  private wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

import type { JsonValue, StepState } from '../plugins/types.js';

/** Marks a staged delete in the overlay. */
export const DELETED: unique symbol = Symbol('deleted');
/** A staged `clear()`: every key committed before it is dropped. */
const CLEAR: unique symbol = Symbol('clear');
type Staged = JsonValue | typeof DELETED;

/** What a namespace reads once its staged writes are taken: the store's committed keys (and a commit in flight). */
export interface CommittedView {
  get(key: string): JsonValue | undefined;
  has(key: string): boolean;
  keys(): IterableIterator<string>;
}

/** What a commit is told about the staged writes it takes. */
export interface TakeSink {
  put(key: string, value: JsonValue): void;
  del(key: string): void;
  clear(): void;
}

/**
 * One step's staged writes over its committed keys: an ordered log of staged writes, each with a tag (the source
 * batch it belongs to, or 0 for "commit with the next commit"), so a commit can take only the writes whose records are
 * already durable downstream. Only staged writes live here; committed keys are read through `committed`, so memory
 * holds what is in flight, not the whole state.
 * @internal
 */
export class Namespace {
  /** Latest staged value per key and how many staged writes of that key are still uncommitted. */
  readonly overlay = new Map<string, { value: Staged; n: number }>();
  tags: number[] = [];
  keys: string[] = [];
  values: Array<Staged | typeof CLEAR> = [];
  start = 0;
  /** Staged clears not taken yet: while any is, committed keys are invisible. */
  clears = 0;
  /** While true (a sink write in flight), none of this namespace's staged writes are committed. */
  held = false;

  constructor(readonly committed: CommittedView) {}

  stage(tag: number, key: string, value: Staged): void {
    this.tags.push(tag);
    this.keys.push(key);
    this.values.push(value);
    const o = this.overlay.get(key);
    if (o) {
      o.value = value;
      o.n++;
    } else this.overlay.set(key, { value, n: 1 });
  }

  /** Stages a clear: staged keys are deleted, committed ones hidden until the clear is committed. */
  stageClear(tag: number): void {
    for (const [key, o] of this.overlay) if (o.value !== DELETED) this.stage(tag, key, DELETED);
    this.tags.push(tag);
    this.keys.push('');
    this.values.push(CLEAR);
    this.clears++;
  }

  get pendingCount(): number {
    return this.tags.length - this.start;
  }

  get(key: string): JsonValue | undefined {
    const o = this.overlay.get(key);
    if (o) return o.value === DELETED ? undefined : o.value;
    return this.clears > 0 ? undefined : this.committed.get(key);
  }

  has(key: string): boolean {
    const o = this.overlay.get(key);
    if (o) return o.value !== DELETED;
    return this.clears > 0 ? false : this.committed.has(key);
  }

  /**
   * Keys visible now: the staged ones first (a copy: they are the batches in flight), then the committed ones, read
   * lazily. Each key comes once, even when the caller writes or deletes keys while it goes (reconcile drops entries).
   */
  *visible(): IterableIterator<string> {
    const staged = new Set(this.overlay.keys());
    for (const key of staged) if (this.has(key)) yield key;
    if (this.clears > 0) return;
    for (const key of this.committed.keys())
      if (!staged.has(key) && this.overlay.get(key)?.value !== DELETED) yield key;
  }

  /** Hands staged writes tagged below `upTo` to `sink`, in order, and forgets them. */
  take(upTo: number, sink: TakeSink): void {
    if (this.held) return;
    let i = this.start;
    const end = this.tags.length;
    while (i < end && this.tags[i] < upTo) {
      const key = this.keys[i];
      const value = this.values[i];
      if (value === CLEAR) {
        sink.clear();
        this.clears--;
        i++;
        continue;
      }
      if (value === DELETED) sink.del(key);
      else sink.put(key, value);
      const o = this.overlay.get(key)!;
      if (--o.n === 0) this.overlay.delete(key);
      i++;
    }
    this.start = i;
    this.dropTaken();
  }

  /**
   * Frees the writes already taken. In a steady stream some batch is always in flight, so the log is rarely empty:
   * without this, the taken prefix (and every key string in it) stayed until the run ended (a run deduping 1.1 million
   * keys held hundreds of thousands of them). Copying once the taken part is half the log keeps it amortized O(1).
   */
  private dropTaken(): void {
    const taken = this.start;
    if (taken === 0 || (taken < this.tags.length && taken * 2 < this.tags.length)) return;
    this.tags = this.tags.slice(taken);
    this.keys = this.keys.slice(taken);
    this.values = this.values.slice(taken);
    this.start = 0;
  }

  /** Staged writes held in the log, taken or not (what `dropTaken` bounds). */
  get logLength(): number {
    return this.tags.length;
  }
}

/** The `StepState` a plugin sees: reads see staged writes; `tag()` says which batch new writes belong to. */
export function stepStateView(
  ns: Namespace,
  tag: () => number,
  checkKey: (key: string) => void,
  prefetch: (keys: Iterable<string>) => Promise<void>,
): StepState {
  return {
    prefetch,
    get<T extends JsonValue = JsonValue>(key: string): T | undefined {
      return ns.get(key) as T | undefined;
    },
    set(key, value) {
      if (value === undefined)
        throw new TypeError(`state.set("${key}", undefined): use state.delete() to remove a key`);
      checkKey(key);
      ns.stage(tag(), key, value);
    },
    delete(key) {
      ns.stage(tag(), key, DELETED);
    },
    has: (key) => ns.has(key),
    get size() {
      let n = 0;
      for (const _ of ns.visible()) n++;
      return n;
    },
    keys: () => ns.visible(),
    clear() {
      ns.stageClear(tag());
    },
  };
}

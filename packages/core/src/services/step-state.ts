import type { JsonValue, StepState } from '../plugins/types.js';

/** Marks a staged delete in the overlay. */
export const DELETED: unique symbol = Symbol('deleted');
type Staged = JsonValue | typeof DELETED;

/**
 * One step's keys: what is committed, plus an ordered log of staged writes. Each staged write carries a tag (the
 * source batch it belongs to, or 0 for "commit with the next commit"), so a commit can take only the writes whose
 * records are already durable downstream.
 * @internal
 */
export class Namespace {
  readonly committed = new Map<string, JsonValue>();
  /** Latest staged value per key and how many staged writes of that key are still uncommitted. */
  readonly overlay = new Map<string, { value: Staged; n: number }>();
  tags: number[] = [];
  keys: string[] = [];
  values: Staged[] = [];
  start = 0;
  /** While true (a sink write in flight), none of this namespace's staged writes are committed. */
  held = false;

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

  get pendingCount(): number {
    return this.tags.length - this.start;
  }

  /** Moves staged writes tagged below `upTo` into `committed`; reports them through `put`/`del`. */
  take(upTo: number, put: (key: string, value: JsonValue) => void, del: (key: string) => void): void {
    if (this.held) return;
    let i = this.start;
    const end = this.tags.length;
    while (i < end && this.tags[i] < upTo) {
      const key = this.keys[i];
      const value = this.values[i];
      if (value === DELETED) {
        this.committed.delete(key);
        del(key);
      } else {
        this.committed.set(key, value);
        put(key, value);
      }
      const o = this.overlay.get(key)!;
      if (--o.n === 0) this.overlay.delete(key);
      i++;
    }
    if (i === end) {
      this.tags = [];
      this.keys = [];
      this.values = [];
      this.start = 0;
    } else this.start = i;
  }
}

/** The `StepState` a plugin sees: reads see staged writes; `tag()` says which batch new writes belong to. */
export function stepStateView(ns: Namespace, tag: () => number): StepState {
  const visible = function* (): IterableIterator<string> {
    for (const key of ns.committed.keys()) {
      const o = ns.overlay.get(key);
      if (!o || o.value !== DELETED) yield key;
    }
    for (const [key, o] of ns.overlay) if (o.value !== DELETED && !ns.committed.has(key)) yield key;
  };
  return {
    get<T extends JsonValue = JsonValue>(key: string): T | undefined {
      const o = ns.overlay.get(key);
      if (o) return o.value === DELETED ? undefined : (o.value as T);
      return ns.committed.get(key) as T | undefined;
    },
    set(key, value) {
      if (value === undefined)
        throw new TypeError(`state.set("${key}", undefined): use state.delete() to remove a key`);
      ns.stage(tag(), key, value);
    },
    delete(key) {
      ns.stage(tag(), key, DELETED);
    },
    has(key) {
      const o = ns.overlay.get(key);
      return o ? o.value !== DELETED : ns.committed.has(key);
    },
    get size() {
      let n = 0;
      for (const _ of visible()) n++;
      return n;
    },
    keys: visible,
    clear() {
      const t = tag();
      for (const key of [...visible()]) ns.stage(t, key, DELETED);
    },
  };
}

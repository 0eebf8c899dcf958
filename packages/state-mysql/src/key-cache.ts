/**
 * What `get/has` of the shared store read: per namespace, the keys the last `prefetch` loaded (a value, or known
 * absent), kept in step with what later commits wrote. The runtime's own namespaces (`@runtime`: a few keys) are held
 * whole. A key that was not loaded throws: reading it as absent would resend a whole ledger or pass every duplicate.
 */
import { FatalError, type JsonValue, type StateChanges } from '@etl/core';

const ABSENT: unique symbol = Symbol('absent');
type Cached = JsonValue | typeof ABSENT;

/** Namespaces the runtime keeps for itself (small): loaded whole, so its synchronous reads need no prefetch. */
export const isRuntimeNamespace = (namespace: string): boolean => namespace.startsWith('@');

export class KeyCache {
  private readonly spaces = new Map<string, Map<string, Cached>>();

  constructor(private readonly label: string) {}

  /** Replaces what a namespace holds by `found` (the keys that exist) and `wanted` minus those (known absent). */
  load(namespace: string, wanted: Iterable<string>, found: Iterable<[string, JsonValue]>): void {
    const loaded = new Map<string, Cached>();
    for (const key of wanted) loaded.set(key, ABSENT);
    for (const [key, value] of found) loaded.set(key, value);
    this.spaces.set(namespace, loaded);
  }

  /** The value, or undefined when the key is known absent; throws when it was not loaded. */
  get(namespace: string, key: string): JsonValue | undefined {
    const value = this.lookup(namespace, key);
    return value === ABSENT ? undefined : value;
  }

  has(namespace: string, key: string): boolean {
    return this.lookup(namespace, key) !== ABSENT;
  }

  /** What a commit wrote: a key loaded for this batch reads its new value (runtime namespaces: every key). */
  remember(changes: StateChanges): void {
    for (const namespace of changes.cleared) {
      const loaded = this.spaces.get(namespace);
      if (loaded) for (const key of loaded.keys()) loaded.set(key, ABSENT);
    }
    for (const [namespace, puts] of changes.puts) {
      const whole = isRuntimeNamespace(namespace);
      let loaded = this.spaces.get(namespace);
      if (!loaded && whole) this.spaces.set(namespace, (loaded = new Map()));
      if (loaded) for (const [key, value] of puts) if (whole || loaded.has(key)) loaded.set(key, value);
    }
    for (const [namespace, keys] of changes.deletes) {
      const loaded = this.spaces.get(namespace);
      if (loaded) for (const key of keys) if (loaded.has(key)) loaded.set(key, ABSENT);
    }
  }

  private lookup(namespace: string, key: string): Cached {
    const found = this.spaces.get(namespace)?.get(key);
    if (found !== undefined) return found;
    if (isRuntimeNamespace(namespace)) return ABSENT;
    throw new FatalError(
      `State key "${key.slice(0, 80)}" of "${namespace}" was read without being loaded first (shared state store ${this.label}).`,
      {
        code: 'STATE_NOT_PREFETCHED',
        context: { namespace, key: key.slice(0, 80) },
        suggestions: [
          'A plugin reading ctx.state with a shared store loads the keys first: `await ctx.state.prefetch(keys)` in an async hook, or `stateKeys()` on a transform (a plugin bug; the embedded store does not need it).',
        ],
      },
    );
  }
}

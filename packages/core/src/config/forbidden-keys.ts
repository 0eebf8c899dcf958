import type { DocPath } from './types.js';

/**
 * Keys that reach an object's prototype instead of the object: merging or setting them writes into
 * `Object.prototype` (every object in the process) or replaces an object's prototype. They are refused wherever
 * config is merged or set (YAML, project defaults, profiles, `--set`), and as field names in templates and dedupe keys.
 * See docs/security.md ("Hostile config").
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export const isForbiddenKey = (key: string | number): boolean => typeof key === 'string' && FORBIDDEN_KEYS.has(key);

export const FORBIDDEN_KEY_HINT =
  'rename the key: __proto__, constructor and prototype are refused because they reach the prototype of every object';

/** Paths of every mapping key in `value` (at any depth) that is a forbidden key. */
export function findForbiddenKeys(value: unknown, at: DocPath = []): DocPath[] {
  const found: DocPath[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, index) => found.push(...findForbiddenKeys(item, [...at, index])));
  } else if (typeof value === 'object' && value !== null) {
    // Own keys, not `Object.entries` alone: a `__proto__` written as a JSON or YAML key is an own property.
    for (const key of Object.keys(value)) {
      const path = [...at, key];
      if (isForbiddenKey(key)) found.push(path);
      else found.push(...findForbiddenKeys((value as Record<string, unknown>)[key], path));
    }
  }
  return found;
}

/** Removes every forbidden key from `value` in place, so nothing downstream can trip on one that was reported. */
export function dropForbiddenKeys(value: unknown): void {
  if (Array.isArray(value)) value.forEach(dropForbiddenKeys);
  else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      if (isForbiddenKey(key)) delete (value as Record<string, unknown>)[key];
      else dropForbiddenKeys((value as Record<string, unknown>)[key]);
    }
  }
}

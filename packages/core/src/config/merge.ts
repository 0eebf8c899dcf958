import { isForbiddenKey } from './forbidden-keys.js';
import { cloneData, isPlainObject } from './paths.js';
import type { DocSourceMap } from './source-map.js';
import type { DocPath } from './types.js';

/**
 * Deep-merges `overlay` into `base` in place: objects merge key by key, arrays and scalars replace, and `null`
 * removes the key (so a profile can drop a step). Positions of replaced values move to the overlay's.
 * `__proto__`, `constructor` and `prototype` are skipped (forbidden-keys.ts).
 */
export function mergeInto(
  base: Record<string, unknown>,
  overlay: Record<string, unknown>,
  map: DocSourceMap,
  overlayMap: DocSourceMap,
  overlayPrefix: DocPath,
  at: DocPath = [],
): void {
  for (const [key, value] of Object.entries(overlay)) {
    // Loading reports these with a position and drops them; this guard keeps any other caller from polluting.
    if (isForbiddenKey(key)) continue;
    const path = [...at, key];
    const fromPath = [...overlayPrefix, key];
    if (value === null) {
      delete base[key];
      map.deleteSubtree(path);
    } else if (isPlainObject(value) && isPlainObject(base[key])) {
      mergeInto(base[key] as Record<string, unknown>, value, map, overlayMap, fromPath, path);
    } else {
      base[key] = cloneData(value);
      map.deleteSubtree(path);
      map.copySubtree(overlayMap, fromPath, path);
    }
  }
}

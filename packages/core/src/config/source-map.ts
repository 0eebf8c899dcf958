import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { pathKey } from './paths.js';
import type { DocPath, SourceLocation, SourceMap } from './types.js';

/**
 * Positions of values and keys by path. Overrides (defaults, profiles, `--set`) rewrite the entries of the subtree
 * they replace, so a value always points at the place that decided it.
 */
export class DocSourceMap implements SourceMap {
  private readonly values = new Map<string, SourceLocation>();
  private readonly keys = new Map<string, SourceLocation>();

  constructor(private readonly fallback: SourceLocation) {}

  set(path: DocPath, value: SourceLocation, key?: SourceLocation): void {
    this.values.set(pathKey(path), value);
    if (key) this.keys.set(pathKey(path), key);
  }

  /** Forgets `path` and everything under it. */
  deleteSubtree(path: DocPath): void {
    const prefix = pathKey(path);
    for (const map of [this.values, this.keys]) {
      for (const key of [...map.keys()]) {
        if (key === prefix || key.startsWith(`${prefix}\u0000`) || prefix === '') map.delete(key);
      }
    }
  }

  /** Copies `from`'s entries under `fromPrefix` to this map under `toPrefix`. */
  copySubtree(from: DocSourceMap, fromPrefix: DocPath, toPrefix: DocPath): void {
    const prefix = pathKey(fromPrefix);
    const target = pathKey(toPrefix);
    const move = (key: string): string | undefined => {
      if (key === prefix) return target;
      if (prefix === '') return target === '' ? key : `${target}\u0000${key}`;
      if (key.startsWith(`${prefix}\u0000`))
        return target === '' ? key.slice(prefix.length + 1) : target + key.slice(prefix.length);
      return undefined;
    };
    for (const [source, dest] of [
      [from.values, this.values],
      [from.keys, this.keys],
    ] as const) {
      for (const [key, location] of [...source]) {
        const moved = move(key);
        if (moved !== undefined) dest.set(moved, location);
      }
    }
  }

  valueAt(path: DocPath): SourceLocation {
    for (let i = path.length; i >= 0; i--) {
      const found = this.values.get(pathKey(path.slice(0, i)));
      if (found) return found;
    }
    return this.fallback;
  }

  keyAt(path: DocPath): SourceLocation {
    return this.keys.get(pathKey(path)) ?? this.valueAt(path);
  }
}

/** Where the project config's `defaults` object was written, so values it gives a pipeline point there. */
export const defaultsLocations = new WeakMap<object, { map: DocSourceMap; path: DocPath }>();

/** Records where every node of a parsed YAML document starts. */
export function mapDocument(doc: Document, lineCounter: LineCounter, file: string): DocSourceMap {
  const map = new DocSourceMap({ file, line: 1, col: 1 });
  const at = (node: Node | null | undefined): SourceLocation | undefined => {
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : { file, ...lineCounter.linePos(offset) };
  };
  const walk = (node: unknown, path: DocPath, keyLocation?: SourceLocation): void => {
    const location = at(node as Node) ?? keyLocation;
    if (location) map.set(path, location, keyLocation);
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        walk(pair.value, [...path, key], at(pair.key as Node));
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...path, index]));
    } else if (isAlias(node)) {
      // An alias points at its anchor's node; positions of the alias itself are good enough.
    }
  };
  walk(doc.contents, []);
  return map;
}

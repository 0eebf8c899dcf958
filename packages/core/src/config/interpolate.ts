import { isPlainObject, pathKey } from './paths.js';
import type { DocPath } from './types.js';

/** `${env:VAR}`, `${env:VAR:-default}`; a doubled `$` (`$${env:X}`) keeps the reference as text. */
const REFERENCE = /\$(\$?)\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface UnsetReference {
  name: string;
  path: DocPath;
}

export interface InterpolationResult {
  unset: UnsetReference[];
  /** Paths (`pathKey`) whose value came out of interpolation, with the env values used (they may be secrets). */
  interpolated: Map<string, { envValues: string[] }>;
}

/**
 * Replaces references in every string value of `root` (in place). Done after parsing, on values only, so a value
 * containing `:` or `#` cannot change the document's shape. An unset variable without a default leaves the
 * reference text in place and is reported.
 */
export function interpolateEnv(
  root: Record<string, unknown>,
  env: Record<string, string | undefined>,
  skipTopLevel: string[] = [],
): InterpolationResult {
  const result: InterpolationResult = { unset: [], interpolated: new Map() };
  const visit = (value: unknown, path: DocPath): unknown => {
    if (typeof value === 'string') return interpolateString(value, path);
    if (Array.isArray(value)) {
      value.forEach((item, index) => (value[index] = visit(item, [...path, index])));
    } else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (path.length === 0 && skipTopLevel.includes(key)) continue;
        value[key] = visit(item, [...path, key]);
      }
    }
    return value;
  };
  const interpolateString = (text: string, path: DocPath): string => {
    if (!text.includes('${env:')) return text;
    const envValues: string[] = [];
    let replaced = false;
    const out = text.replace(REFERENCE, (whole, escaped: string, name: string, fallback: string | undefined) => {
      if (escaped) return whole.slice(1);
      const set = env[name];
      // As in the shell: `:-` also replaces an empty value; a bare reference keeps an empty value as set.
      if (set !== undefined && (set !== '' || fallback === undefined)) {
        if (set !== '') envValues.push(set);
        replaced = true;
        return set;
      }
      if (fallback !== undefined) {
        replaced = true;
        return fallback;
      }
      result.unset.push({ name, path });
      return whole;
    });
    if (replaced) result.interpolated.set(pathKey(path), { envValues });
    return out;
  };
  visit(root, []);
  return result;
}

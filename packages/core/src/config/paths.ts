import { isForbiddenKey } from './forbidden-keys.js';
import type { DocPath } from './types.js';

/** A map key for a path (segments compared as strings, as ajv's instancePath gives them). */
export const pathKey = (path: DocPath): string => path.map(String).join('\u0000');

/** `steps.load.config.where[0].gte`: how paths are shown to people. */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number' || /^\d+$/.test(segment)) out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** Parses `steps.hubspot.config.limit` or `steps.years.config.where[0].gte` (also `where.0.gte`) into segments. */
export function parsePath(text: string): DocPath {
  const path: DocPath = [];
  for (const part of text.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match || (match[1] === '' && match[2] === ''))
      throw new Error(`"${text}" is not a dotted path like steps.load.config.batchSize`);
    if (match[1] !== '') path.push(/^\d+$/.test(match[1]) ? Number(match[1]) : match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  return path;
}

/** Splits an ajv `instancePath` (`/steps/load/config/batchSize`) into segments. */
export const pointerToPath = (pointer: string): DocPath =>
  pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value at `path`, or undefined when any segment is missing. */
export function getByPath(root: unknown, path: DocPath): unknown {
  let node = root;
  for (const segment of path) {
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isPlainObject(node)) node = node[String(segment)];
    else return undefined;
  }
  return node;
}

/**
 * Sets the value at `path`, creating objects (or arrays, for numeric segments) on the way. `undefined` deletes the
 * key. Returns false when a scalar is in the way, or when a segment is `__proto__`, `constructor` or `prototype`
 * (they would write into a prototype; forbidden-keys.ts).
 */
export function setByPath(root: Record<string, unknown>, path: DocPath, value: unknown): boolean {
  if (path.length === 0 || path.some(isForbiddenKey)) return false;
  let node: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i];
    const container = node as Record<string, unknown> | unknown[];
    let next = Array.isArray(container) ? container[Number(segment)] : container[String(segment)];
    if (next === undefined || next === null) {
      next = typeof path[i + 1] === 'number' ? [] : {};
      if (Array.isArray(container)) container[Number(segment)] = next;
      else container[String(segment)] = next;
    }
    if (typeof next !== 'object') return false;
    node = next;
  }
  const last = path[path.length - 1];
  if (Array.isArray(node)) {
    if (value === undefined) node.splice(Number(last), 1);
    else node[Number(last)] = value;
  } else if (value === undefined) {
    delete (node as Record<string, unknown>)[String(last)];
  } else {
    (node as Record<string, unknown>)[String(last)] = value;
  }
  return true;
}

/** A deep copy of plain JSON-like data. */
export const cloneData = <T>(value: T): T => structuredClone(value);

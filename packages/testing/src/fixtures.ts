import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defineTransform,
  type DataRecord,
  type RecordTransform,
  type StepContext,
  type TransformPlugin,
} from '@etl/core';

/** A fresh temporary folder (for `stateDir`). */
export const tempDir = (prefix = 'etl-test-'): string => mkdtempSync(join(tmpdir(), prefix));

/** `n` records `{ id: 1..n, key: 'k<id mod 7>' }`. */
export const numberedRecords = (n: number): DataRecord[] =>
  Array.from({ length: n }, (_, i) => ({ id: i + 1, key: `k${(i + 1) % 7}` }));

/** Parses a JSON-lines file (rejects.jsonl, run.log). */
export const readJsonLines = (file: string): Array<Record<string, unknown>> =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A transform made from a function; `make` gets the step context once per run (for stateful test transforms). */
export function fnTransform(name: string, make: (ctx: StepContext) => RecordTransform): TransformPlugin {
  return defineTransform({ name, configSchema: { type: 'object', properties: {} }, create: (ctx) => make(ctx) });
}

/** A stateful transform like dedupe: passes the first record per `field`, remembering keys in `ctx.state`. */
export const firstPerKeyTransform = (field = 'key'): TransformPlugin =>
  fnTransform('first-per-key', (ctx) => (r) => {
    const key = String(r[field]);
    if (ctx.state.has(key)) return null;
    ctx.state.set(key, 1);
    return r;
  });

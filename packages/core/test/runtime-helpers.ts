import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineTransform, rejectRecord, type DataRecord } from '@etl/core';

export const tempStateDir = (): string => mkdtempSync(join(tmpdir(), 'etl-runtime-'));

export const numbers = (n: number): DataRecord[] => Array.from({ length: n }, (_, i) => ({ id: i + 1, key: `k${(i + 1) % 7}` }));

export const readJsonLines = (file: string): Array<Record<string, unknown>> =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Doubles ids; rejects ids divisible by `rejectEvery`. */
export const doubler = (rejectEvery = 0) =>
  defineTransform({
    name: 'doubler',
    configSchema: { type: 'object', properties: {} },
    create: () => (r) => (rejectEvery && (r.id as number) % rejectEvery === 0 ? rejectRecord(`id ${r.id} is unlucky`) : { ...r, id2: (r.id as number) * 2 }),
  });

/** Keeps even ids only. */
export const evens = () =>
  defineTransform({ name: 'evens', configSchema: { type: 'object', properties: {} }, create: () => (r) => ((r.id as number) % 2 === 0 ? r : null) });

/** A stateful transform: passes the first record per `key`, remembering keys in ctx.state (like dedupe). */
export const firstPerKey = () =>
  defineTransform({
    name: 'first-per-key',
    configSchema: { type: 'object', properties: {} },
    create: (ctx) => (r) => {
      const key = String(r.key);
      if (ctx.state.has(key)) return null;
      ctx.state.set(key, r.id as number);
      return r;
    },
  });

export const ids = (records: DataRecord[]): number[] => records.map((r) => r.id as number);

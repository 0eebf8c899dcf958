/**
 * Drives a sink the way the runtime does (setup → reconcile when asked → write per batch, retried on RetriableError → commit → close), for
 * tests that must not wait for core's runtime. Returns the totals a run summary would show.
 */
import { applyConfigDefaults, type DataRecord, type ReconcileReport, type Rejection, type SinkPlugin } from '@etl/core';
import { configSchema, type HubspotConfig, type HubspotConfigInput } from '@etl/sink-hubspot';
import type { TestContext } from './context.js';

export interface Totals {
  written: number;
  unchanged: number;
  skipped: number;
  rejects: Rejection[];
  details: Record<string, number>;
  /** What `reconcile()` reported, when the context asked for it (`--reconcile`). */
  reconcile?: ReconcileReport;
}

/** `attempts`: the step's `retry.attempts`, the one retry budget of a write (the client does not retry). */
export async function drive(
  plugin: SinkPlugin<HubspotConfig>,
  ctx: TestContext,
  config: HubspotConfig,
  records: DataRecord[],
  batchSize = 250,
  attempts = 6,
): Promise<Totals> {
  const totals: Totals = { written: 0, unchanged: 0, skipped: 0, rejects: [], details: {} };
  let outcome: 'succeeded' | 'failed' = 'failed';
  await plugin.setup?.(ctx, config);
  try {
    // As the runtime does: after setup, before the first write, only under --reconcile.
    if (ctx.reconcile && plugin.reconcile) totals.reconcile = await plugin.reconcile(ctx, config);
    for (let start = 0, seq = 1; start < records.length; start += batchSize, seq++) {
      const slice = records.slice(start, start + batchSize);
      const batch = {
        records: slice,
        refs: slice.map((_, index) => ({ seq, index })),
        locate: (index: number) => `names.csv:${start + index + 2}`,
        checkpoint: { seq },
      };
      const result = await ctx.retry.run(() => plugin.write(ctx, config, batch), { attempts, baseDelayMs: 100 });
      expectAccounted(result, slice.length);
      totals.written += result.written;
      totals.unchanged += result.unchanged ?? 0;
      totals.skipped += result.skipped ?? 0;
      totals.rejects.push(...(result.rejects ?? []));
      for (const [key, value] of Object.entries(result.details ?? {}))
        totals.details[key] = (totals.details[key] ?? 0) + value;
      if (!ctx.dryRun) await ctx.commit({ seq });
    }
    outcome = 'succeeded';
  } finally {
    await plugin.close?.(ctx, config, outcome);
  }
  return totals;
}

function expectAccounted(
  result: { written: number; unchanged?: number; skipped?: number; rejects?: unknown[] },
  size: number,
): void {
  const sum = result.written + (result.unchanged ?? 0) + (result.skipped ?? 0) + (result.rejects?.length ?? 0);
  if (sum !== size) throw new Error(`write accounted for ${sum} of ${size} records`);
}

/** Baby-name-like records: `n` distinct name + sex pairs. */
export function names(n: number, offset = 0): DataRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `Name${i + offset}`,
    sex: (i + offset) % 2 === 0 ? 'F' : 'M',
    year: 1990,
    count: 5,
  }));
}

/** The pipeline's mapping, pointed at a sandbox. */
export function babyNamesConfig(
  baseUrl: string,
  token: string,
  extra: Partial<HubspotConfigInput> = {},
): HubspotConfig {
  return applyConfigDefaults(configSchema, {
    baseUrl,
    accessToken: token,
    properties: {
      email: '{{ name | slug }}.{{ sex | lower }}@babynames.example.com',
      firstname: '{{ name }}',
      babyname_sex: '{{ sex }}',
    },
    ensureProperties: [
      {
        name: 'babyname_sex',
        label: 'Baby name sex',
        groupName: 'contactinformation',
        type: 'enumeration',
        fieldType: 'select',
        options: [
          { label: 'Female', value: 'F' },
          { label: 'Male', value: 'M' },
        ],
      },
    ],
    rate: { max: 1000, per: '1s' },
    ...extra,
  });
}

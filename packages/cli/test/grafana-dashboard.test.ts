/**
 * docs/grafana/etl.json imports into a current Grafana and shows only what etl exports: every panel query and
 * variable names metrics registered by the code (read from a real registry, not a list kept by hand).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createRegistry, registerQueueMetrics, registerRunMetrics } from '../src/metrics/index.js';
import { repoRoot } from './helpers.js';

interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; datasource?: { uid: string } }>;
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync(join(repoRoot, 'docs/grafana/etl.json'), 'utf8')) as {
  schemaVersion: number;
  uid: string;
  templating: { list: Array<{ name: string; type: string; query: unknown; definition?: string }> };
  panels: Panel[];
};

/** The series names a Prometheus server stores for the registry's metrics (histograms as _bucket, _sum, _count). */
async function exportedSeries(): Promise<Set<string>> {
  const registry = createRegistry();
  registerRunMetrics(registry);
  registerQueueMetrics(registry, { jobs: async () => ({}), workers: async () => 0 });
  const names = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    if (metric.type === 'histogram') for (const part of ['_bucket', '_sum', '_count']) names.add(metric.name + part);
    else names.add(metric.name);
  }
  return names;
}

/** Names in a PromQL expression that look like etl's or Node's metrics. */
const metricNames = (expr: string): string[] => expr.match(/\b(?:etl|process|nodejs)_[a-z0-9_]+\b/g) ?? [];

const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');

describe('the Grafana dashboard', () => {
  test('is a current dashboard with a Prometheus data source variable that every panel uses', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    const datasource = dashboard.templating.list.find((v) => v.type === 'datasource');
    expect(datasource).toMatchObject({ name: 'datasource', query: 'prometheus' });
    expect(panels.length).toBeGreaterThan(10);
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid, panel.title).toBe('${datasource}');
    }
  });

  test('every panel query and variable names only metrics the code registers', async () => {
    const exported = await exportedSeries();
    expect(exported.has('etl_records_read_total')).toBe(true);
    const queries = [
      ...panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr }))),
      ...dashboard.templating.list
        .filter((v) => v.type === 'query')
        .map((v) => ({ where: `$${v.name}`, expr: v.definition ?? JSON.stringify(v.query) })),
    ];
    for (const { where, expr } of queries) {
      const names = metricNames(expr);
      expect(names.length, `${where}: ${expr}`).toBeGreaterThan(0);
      expect(
        names.filter((name) => !exported.has(name)),
        `${where}: ${expr}`,
      ).toEqual([]);
    }
  });

  test('the panels cover every metric etl exports', async () => {
    const used = new Set(panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr))));
    const base = (name: string) => name.replace(/_(bucket|sum|count)$/, '');
    const unused = [...(await exportedSeries())]
      .filter((name) => name.startsWith('etl_'))
      .filter((name) => ![...used].some((u) => base(u) === base(name)));
    // Skipped records only happen on resumed runs; they are left to ad-hoc queries.
    expect(unused).toEqual(['etl_records_skipped_total']);
  });
});

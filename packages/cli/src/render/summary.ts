import { relative } from 'node:path';
import type { RunSummary } from '@etl/core';
import { formatCount, formatDuration, table } from './table.js';

const shown = (file: string): string => {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
};

/** Totals over the steps, as `etl runs` lists them. */
export function totals(summary: Pick<RunSummary, 'steps'>): { read: number; written: number; rejected: number } {
  const source = summary.steps.find((s) => s.kind === 'source');
  return {
    read: source?.read ?? 0,
    written: summary.steps.filter((s) => s.kind === 'sink').reduce((n, s) => n + s.written, 0),
    rejected: summary.steps.reduce((n, s) => n + s.rejected, 0),
  };
}

/** The end-of-run report for a terminal: status line, a table per step, then where the rejects and the log are. */
export function renderSummary(summary: RunSummary): string {
  const status =
    summary.status === 'succeeded'
      ? 'succeeded'
      : summary.status === 'interrupted'
        ? 'was interrupted (resumable)'
        : 'failed';
  const head =
    `Run ${summary.runId} of ${summary.pipeline}${summary.profile ? ` (profile ${summary.profile})` : ''}` +
    `${summary.dryRun ? ' [dry run]' : ''}${summary.resumed ? ' [resumed]' : ''} ${status} in ${formatDuration(summary.durationMs)}.`;
  const rows = summary.steps.map((s) => [
    s.step,
    s.plugin,
    s.read,
    s.written,
    s.rejected,
    s.unchanged,
    s.filtered,
    formatDuration(s.durationMs),
  ]);
  const lines = [
    head,
    ...(summary.restarted ? [`Not resumed: ${summary.restarted}.`] : []),
    '',
    table(['step', 'plugin', 'read', 'written', 'rejected', 'unchanged', 'filtered', 'time'], rows),
  ];
  const counters = summary.steps.filter((s) => Object.keys(s.counters ?? {}).length > 0);
  if (counters.length > 0) {
    lines.push('');
    for (const s of counters) {
      lines.push(
        `${s.step}: ${Object.entries(s.counters)
          .map(([k, v]) => `${k} ${formatCount(v)}`)
          .join(', ')}`,
      );
    }
  }
  lines.push(...destinationLines(summary));
  const rejected = summary.steps.reduce((n, s) => n + s.rejected, 0);
  lines.push('');
  lines.push(
    rejected > 0
      ? `Rejected records (${formatCount(rejected)}): ${shown(summary.rejectsFile)}`
      : 'Rejected records: none',
  );
  lines.push(`Log: ${shown(summary.logFile)}`);
  return lines.join('\n');
}

/** Where each sink wrote (new destinations say so) and, with --reconcile, what the destination contradicted. */
function destinationLines(summary: RunSummary): string[] {
  const sinks = summary.steps.filter((s) => s.destination);
  if (sinks.length === 0) return [];
  const lines = ['', 'Destinations:'];
  for (const s of sinks) {
    const d = s.destination!;
    lines.push(`  ${s.step} → ${d.label}${d.known ? '' : ' (new: no ledger yet, every record was sent)'}`);
    if (d.note) lines.push(`    ${d.note}`);
    const r = s.reconcile;
    if (r) {
      const reads = r.reads === undefined ? '' : ` in ${formatCount(r.reads)} reads`;
      lines.push(
        `    reconciled: ${formatCount(r.checked)} checked${reads}, ${formatCount(r.missing)} missing, ${formatCount(r.different)} different, re-sent ${formatCount(s.counters.resent ?? 0)}`,
      );
    }
  }
  return lines;
}

import { Args } from '@oclif/core';
import type { RunRecord } from '@etl/core';
import { EtlCommand } from '../../base-command.js';
import { openStateStore, runHistoryOf, stateUrlOf } from '../../state-store.js';
import { totals } from '../../render/summary.js';
import { formatDuration, table } from '../../render/table.js';

export default class Runs extends EtlCommand {
  static override summary = 'List earlier runs, newest first.';
  static override description =
    'Shows when each run started, its pipeline and profile, how it ended, its record counts and duration. `etl runs show <id>` tells more about one.';

  static override examples = [
    { description: 'Every run of every pipeline', command: '<%= config.bin %> runs' },
    { description: 'Runs of one pipeline, as JSON', command: '<%= config.bin %> runs babynames --json' },
  ];

  static override args = {
    pipeline: Args.string({ description: 'Only runs of this pipeline.' }),
  };

  static override enableJsonFlag = true;

  async run(): Promise<ListedRun[]> {
    const { args } = await this.parse(Runs);
    const project = await this.project();
    const shared = await openStateStore(stateUrlOf(project));
    let runs: RunRecord[];
    try {
      runs = await runHistoryOf(project.stateDir, shared).list(args.pipeline);
    } finally {
      await shared?.close();
    }
    const list = runs.map(listed);
    if (this.jsonEnabled()) return list;
    if (list.length === 0) {
      this.print(args.pipeline ? `No runs of ${args.pipeline} yet.` : 'No runs yet.');
      return list;
    }
    const rows = list.map((r) => {
      const status = r.dryRun ? `${r.status} (dry run)` : r.resumed ? `${r.status} (resumed)` : r.status;
      return [
        r.runId,
        when(r.startedAt),
        ...(shared ? [r.host ?? ''] : []),
        r.pipeline,
        r.profile ?? '',
        status,
        r.read ?? '',
        r.written ?? '',
        r.rejected ?? '',
        r.durationMs === undefined ? '' : formatDuration(r.durationMs),
      ];
    });
    this.print(
      table(
        [
          'id',
          'when',
          ...(shared ? ['host'] : []),
          'pipeline',
          'profile',
          'status',
          'read',
          'written',
          'rejected',
          'duration',
        ],
        rows,
      ),
    );
    return list;
  }
}

/** `2026-11-28T20:50:34.123Z` → `2026-11-28 20:50:34` in local time. */
function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** One listed run: what every run has, plus counts and duration once it finished. */
type ListedRun = ReturnType<typeof listed>;

function listed(run: RunRecord) {
  const s = run.summary;
  return {
    runId: run.runId,
    pipeline: run.pipeline,
    profile: s?.profile,
    status: run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    host: run.host,
    durationMs: s?.durationMs,
    dryRun: s?.dryRun ?? false,
    resumed: s?.resumed ?? false,
    ...(s ? totals(s) : {}),
    dir: run.dir,
  };
}

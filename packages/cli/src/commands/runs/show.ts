import { Args } from '@oclif/core';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { EtlError, runsDir, type RunRecord } from '@etl/core';
import { openStateStore, runHistoryOf, stateUrlOf } from '../../state-store.js';
import { EtlCommand } from '../../base-command.js';
import { summarizeRejects, type RejectsSummary } from '../../render/rejects.js';
import { renderSummary } from '../../render/summary.js';
import { formatCount, table } from '../../render/table.js';
import { forTerminal } from '../../render/terminal-text.js';

/** What `--json` prints. */
interface ShownRun {
  run: Pick<RunRecord, 'runId' | 'pipeline' | 'status' | 'startedAt' | 'dir'>;
  summary: RunRecord['summary'];
  rejects: RejectsSummary;
}

export default class RunsShow extends EtlCommand {
  static override summary = 'Show one run: its summary, what was rejected and why, and where its log is.';
  static override description =
    'Rejected records are counted by step, with the most frequent reasons; the rejects file holds each one with its location.';

  static override examples = [
    { description: 'Show a run listed by `etl runs`', command: '<%= config.bin %> runs show 20261128-205034-ab12' },
    { description: 'As JSON', command: '<%= config.bin %> runs show 20261128-205034-ab12 --json' },
  ];

  static override args = {
    id: Args.string({ description: 'The run id, as `etl runs` lists it.', required: true }),
  };

  static override enableJsonFlag = true;

  async run(): Promise<ShownRun> {
    const { args } = await this.parse(RunsShow);
    const project = await this.project();
    const shared = await openStateStore(stateUrlOf(project));
    let run: RunRecord | undefined;
    let recent: string[] = [];
    try {
      const history = runHistoryOf(project.stateDir, shared);
      run = await history.get(args.id);
      if (!run) recent = (await history.list()).slice(0, 5).map((r) => r.runId);
    } finally {
      await shared?.close();
    }
    if (!run) {
      throw new EtlError(`No run ${args.id} in ${relative(process.cwd(), runsDir(project.stateDir)) || '.'}.`, {
        code: 'RUN_NOT_FOUND',
        suggestions: [
          recent.length > 0
            ? `Recent runs: ${recent.join(', ')} (\`etl runs\` lists them all).`
            : 'No runs yet: start one with `etl run <pipeline>`.',
        ],
      });
    }
    const summary = run.summary;
    // A run of another host (shared store) has its rejects file there, not here: none is read for it.
    const elsewhere = run.host !== undefined && run.host !== hostname();
    const rejects = elsewhere
      ? await summarizeRejects(undefined)
      : await summarizeRejects(summary?.rejectsFile ?? join(run.dir, 'rejects.jsonl'));
    const shown: ShownRun = {
      run: { runId: run.runId, pipeline: run.pipeline, status: run.status, startedAt: run.startedAt, dir: run.dir },
      summary,
      rejects,
    };
    if (this.jsonEnabled()) return shown;
    if (!summary) {
      this.print(
        `Run ${run.runId} of ${run.pipeline} started ${run.startedAt} and never finished (killed?). Its files: ${run.dir}`,
      );
      this.print(`Log: ${join(run.dir, 'run.log')}`);
      if (rejects.total > 0) this.print(`\n${renderRejects(rejects)}`);
      return shown;
    }
    this.print(renderSummary(summary));
    if (summary.error) this.print(`\nError (${summary.error.code}): ${forTerminal(summary.error.message)}`);
    if (rejects.total > 0) this.print(`\n${renderRejects(rejects)}`);
    return shown;
  }
}

function renderRejects(rejects: RejectsSummary): string {
  const lines = [`Rejected: ${formatCount(rejects.total)}`];
  for (const step of rejects.byStep) {
    lines.push('', `${forTerminal(step.step)}: ${formatCount(step.count)}`);
    // Reasons quote cell values from the input: control characters in them must not reach the terminal.
    const rows = step.topReasons.map((r) => [r.count, forTerminal(r.reason), forTerminal(r.example)]);
    lines.push(table(['count', 'reason', 'first at'], rows).replace(/^/gm, '  '));
  }
  return lines.join('\n');
}

import type { ResolvedPipeline, RunOptions, RunSummary } from '../pipeline/types.js';
import { bindDestinations } from './destinations.js';
import { runFlow } from './run-flow.js';
import { openRunScope, openRunState } from './run-scope.js';
import { closeRunScope, summarize } from './run-end.js';
import { closeUnreadSource, startRun, type RunStart } from './start.js';

export { DEFAULT_SINK_BATCH_SIZE } from './run-flow.js';

/**
 * Runs a resolved pipeline to the end (or until `options.signal` aborts), streaming source batches through the
 * transforms into each sink, and committing a checkpoint after every sink write so an interrupted or failed run
 * resumes exactly where it stopped.
 *
 * Phases: open the run scope (run folder, log, locked checkpoint store, one context per step); bind each sink's state
 * to the destination its `destination()` names; start (resume the interrupted lineage when its input, pipeline, batch
 * size and destinations are unchanged, else start a new one and say why; or end as up to date); run the flow; close
 * every sink that was opened, whatever happened; write the summary.
 *
 * Never throws for what happens during the run: it resolves with a `RunSummary` whose `status` is `succeeded`,
 * `failed` (with `error`: code, message, exitCode, suggestions) or `interrupted` (`error` is the InterruptedError for
 * SIGINT, or SIGTERM when the signal's `reason` is 'SIGTERM'). The CLI exits with `summary.error?.exitCode ?? 0`.
 * It rejects only when the run folder itself cannot be created (the state folder is not writable).
 *
 * Files: `<stateDir>/runs/<runId>/{summary.json, run.log, rejects.jsonl, artifacts/}`; checkpoints and step state in
 * `<stateDir>/pipelines/<pipeline>/state.mdb` (an LMDB file; the folder is locked while a run is active); the
 * up-to-date record in `<stateDir>/pipelines/<pipeline>/up-to-date.json`.
 */
export async function runPipeline(pipeline: ResolvedPipeline, options: RunOptions): Promise<RunSummary> {
  const scope = await openRunScope(pipeline, options);
  scope.observe.runStart();
  let start: RunStart | undefined;
  let failure: unknown;
  try {
    await openRunState(scope);
    await bindDestinations(scope);
    start = await startRun(scope);
    scope.events.send({ type: 'run-start', runId: scope.runId, resumed: start.resumed, from: start.from });
    if (start.upToDate) await closeUnreadSource(scope);
    else await runFlow(scope, start);
  } catch (error) {
    failure = error;
  }
  failure = await closeRunScope(scope, failure);
  return summarize(scope, start, failure);
}

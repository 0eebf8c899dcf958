/**
 * The run's start: which lineage it continues (verified), or that it has nothing to do (up to date).
 */
import type { JsonValue, SourcePlugin } from '../plugins/types.js';
import { DEFAULT_SOURCE_BATCH_SIZE } from './context.js';
import { clearSinkState, destinationIds, rememberDestinations } from './destinations.js';
import type { RuntimeCheckpoint } from './flow.js';
import { invoke } from './invoke.js';
import { restartMessage, resumeObstacles, type LineageIdentity } from './lineage.js';
import type { RunScope } from './run-scope.js';
import {
  clearUpToDate,
  isUpToDate,
  pipelineFingerprint,
  readUpToDate,
  stepFingerprints,
  upToDateMessage,
  type UpToDateRecord,
} from './up-to-date.js';

export interface RunStart {
  /** The run continues an interrupted lineage from its checkpoint. */
  resumed: boolean;
  /** The interrupted lineage's checkpoint, when resuming. */
  previous?: RuntimeCheckpoint;
  /** Source position to read after, and the seq of the first batch read. */
  from: JsonValue | undefined;
  nextSeq: number;
  identity: LineageIdentity;
  /** Why an interrupted lineage was not resumed (a new one was started instead). */
  restarted?: string;
  /** The input and pipeline equal those of the last succeeded run: nothing to do. */
  upToDate: boolean;
  /** What a success records for later up-to-date checks (absent when the source cannot name its input). */
  mark?: Omit<UpToDateRecord, 'runId' | 'finishedAt'>;
}

/**
 * Settles the lineage: `--fresh` starts a new fresh one; an interrupted lineage is resumed only when its input,
 * pipeline, batch size and destinations are unchanged, otherwise a new lineage starts and the log says why. A run
 * that does not resume and is not fresh, dry or reconciling ends as up to date when nothing changed since the last
 * succeeded run. Sets `scope.binding` so every context reports the settled lineage.
 */
export async function startRun(scope: RunScope): Promise<RunStart> {
  const { options, binding, logger } = scope;
  const saved = scope.store.checkpoint as unknown as RuntimeCheckpoint | undefined;
  const interrupted = !options.fresh && saved?.v === 1 && saved.status === 'running' ? saved : undefined;
  // Until verified, hooks see the lineage the run would continue (a source keeps the cache that lineage read).
  binding.lineage = interrupted?.lineage ?? scope.runId;
  binding.fresh = interrupted ? interrupted.fresh === true : options.fresh === true;
  const identity = await currentIdentity(scope);

  let restarted: string | undefined;
  if (interrupted) {
    const labels = Object.fromEntries([...scope.sinks].map(([step, b]) => [step, b.destination?.label ?? step]));
    const reasons = resumeObstacles(interrupted, identity, labels);
    if (reasons.length === 0) return resume(scope, interrupted, identity);
    restarted = restartMessage(interrupted.runId, reasons);
    logger.warn(restarted, { previousLineage: interrupted.lineage });
    binding.lineage = scope.runId;
    binding.fresh = false;
  }

  const mark =
    identity.inputVersion === undefined
      ? undefined
      : { fingerprint: identity.fingerprint, inputVersion: identity.inputVersion, destinations: identity.destinations };
  const start: RunStart = { resumed: false, from: undefined, nextSeq: 1, identity, restarted, upToDate: false, mark };
  const mayBeUpToDate = !options.fresh && !options.reconcile && !scope.dryRun && mark !== undefined;
  const last = mayBeUpToDate ? await readUpToDate(scope.stateDir) : undefined;
  if (mark && isUpToDate(last, mark)) {
    logger.info(upToDateMessage(last!), { upToDateSince: last!.runId });
    return { ...start, upToDate: true };
  }
  if (!scope.dryRun) await clearUpToDate(scope.stateDir);
  logger.info(options.fresh ? 'starting a fresh lineage (--fresh)' : 'starting from the beginning', {
    lineage: binding.lineage,
    dryRun: scope.dryRun,
  });
  newLineageState(scope);
  return start;
}

function resume(scope: RunScope, previous: RuntimeCheckpoint, identity: LineageIdentity): RunStart {
  const nothingCommitted =
    previous.nextSeq === 1 && previous.position === undefined && Object.keys(previous.sinks ?? {}).length === 0;
  if (nothingCommitted)
    scope.logger.info(`starting from the beginning (run ${previous.runId} stopped before its first checkpoint)`, {
      lineage: previous.lineage,
    });
  else
    scope.logger.info(`resuming run ${previous.runId} from batch ${previous.nextSeq}`, {
      lineage: previous.lineage,
      from: previous.position,
    });
  if (previous.fresh)
    scope.logger.info('the resumed lineage was started with --fresh: it trusts only what it wrote itself');
  if (!scope.dryRun) rememberDestinations(scope);
  return { resumed: true, previous, from: previous.position, nextSeq: previous.nextSeq, identity, upToDate: false };
}

/**
 * A new lineage: transform state (dedupe's seen keys) describes the records of one lineage, so it starts empty; a
 * fresh lineage empties sink state (ledgers) too. Staged now, durable with the lineage's first commit.
 */
function newLineageState(scope: RunScope): void {
  for (const step of scope.pipeline.steps) if (step.kind === 'transform') scope.contexts.get(step.name)!.state.clear();
  if (scope.binding.fresh) clearSinkState(scope);
  if (!scope.dryRun) rememberDestinations(scope);
}

/** What positions would depend on now: fingerprints, batch size, destinations, and the source's input version. */
async function currentIdentity(scope: RunScope): Promise<LineageIdentity> {
  const { pipeline, source } = scope;
  const identity: LineageIdentity = {
    fingerprint: pipelineFingerprint(pipeline, scope.hashSecret),
    steps: stepFingerprints(pipeline, scope.hashSecret),
    batchSize: pipeline.batchSize ?? DEFAULT_SOURCE_BATCH_SIZE,
    destinations: destinationIds(scope),
  };
  const plugin = source.plugin as SourcePlugin;
  if (scope.dryRun || !plugin.inputVersion) return identity;
  const ctx = scope.contexts.get(source.name)!;
  const stats = scope.stats.get(source.name)!;
  const site = { step: source.name, plugin: source.use, hook: 'inputVersion' };
  try {
    const version = await invoke(site, stats, () => plugin.inputVersion!(ctx, source.config));
    // Kept redacted, so a version string that happens to hold a secret never reaches the disk.
    if (typeof version === 'string') identity.inputVersion = scope.redact(version);
  } catch (error) {
    // close() releases what inputVersion() may hold (a browser, a file) when read() will not run to do it.
    if (plugin.close)
      await invoke({ ...site, hook: 'close' }, stats, () => plugin.close!(ctx, source.config)).catch(() => undefined);
    throw error;
  }
  return identity;
}

/** Releases what `inputVersion()` opened when the run ends before `read()` (up to date). */
export async function closeUnreadSource(scope: RunScope): Promise<void> {
  const plugin = scope.source.plugin as SourcePlugin;
  if (!plugin.close) return;
  const site = { step: scope.source.name, plugin: scope.source.use, hook: 'close' };
  await invoke(site, scope.stats.get(scope.source.name)!, () =>
    plugin.close!(scope.contexts.get(scope.source.name)!, scope.source.config),
  );
}

import { EtlError, ExitCode, FatalError, InterruptedError } from '../errors.js';
import type { ResolvedPipeline, ResolvedStep, RunOptions, RunSummary, StepSummary } from '../pipeline/types.js';
import type { JsonValue, RateLimiter, RecordRef, SinkPlugin, SourcePlugin, StepContext, TransformPlugin } from '../plugins/types.js';
import { openCheckpointStore, type CheckpointStore } from '../services/checkpoint.js';
import { createLogger } from '../services/logger.js';
import { createRateLimiter, type DailyUsage, type ManagedRateLimiter } from '../services/rate-limit.js';
import { createRedactor } from '../services/redact.js';
import { createRetryService } from '../services/retry.js';
import { createRejectsWriter, createRunFolder, pipelineStateDir, writeRunSummary } from '../services/run-history.js';
import { createStepContext, newStats, type StepStats } from './context.js';
import { createEventSink } from './events.js';
import { Flow, type FlowNode, type RuntimeCheckpoint, type SinkNode } from './flow.js';
import { assertPluginShape, invoke } from './invoke.js';
import { checkInvariants } from './invariants.js';
import { pumpSource } from './pump.js';
import { SinkBuffer } from './sink-buffer.js';
import { clearUpToDate, pipelineFingerprint, readUpToDate, upToDateMessage, writeUpToDate, type UpToDateRecord } from './up-to-date.js';

/** The runtime's own namespace in the checkpoint store (`@` cannot start a step name). */
const RUNTIME_NAMESPACE = '@runtime';

/** Records per sink write when neither the step nor the plugin says. */
export const DEFAULT_SINK_BATCH_SIZE = 1000;

/**
 * Runs a resolved pipeline to the end (or until `options.signal` aborts), streaming source batches through the
 * transforms into each sink, and committing a checkpoint after every sink write so an interrupted or failed run
 * resumes exactly where it stopped (the default; `fresh: true` starts a new lineage from the beginning).
 *
 * Never throws for what happens during the run: it resolves with a `RunSummary` whose `status` is `succeeded`,
 * `failed` (with `error`: code, message, exitCode, suggestions) or `interrupted` (`error` is the InterruptedError for
 * SIGINT, or SIGTERM when the signal's `reason` is 'SIGTERM'). The CLI exits with `summary.error?.exitCode ?? 0`.
 * It rejects only when the run folder itself cannot be created (the state folder is not writable).
 *
 * Up to date: a run that neither resumes nor is `fresh` nor dry asks the source's `inputVersion()`; when it and the
 * pipeline's fingerprint equal those of the last succeeded run, the run ends at once (`upToDate: true`, zero counts,
 * no sink set up). Every succeeded run records both in `<pipeline state>/up-to-date.json`; a run that gets past the
 * check and does not succeed clears it.
 *
 * Files: `<stateDir>/runs/<runId>/{summary.json, run.log, rejects.jsonl, artifacts/}`; checkpoints and step state in
 * `<stateDir>/pipelines/<pipeline>/checkpoint.jsonl` (locked while a run is active). Log lines go to `run.log` (JSON,
 * debug and up) and, already redacted, to `options.logger` when given.
 */
export async function runPipeline(pipeline: ResolvedPipeline, options: RunOptions): Promise<RunSummary> {
  const now = options.now ?? Date.now;
  const started = now();
  const dryRun = options.dryRun === true;
  const folder = await createRunFolder(options.stateDir, pipeline.name, started);
  const runId = folder.runId;
  const secrets = new Set(pipeline.secrets.filter((s) => typeof s === 'string'));
  let redact = createRedactor(secrets);
  const logger = createLogger({ format: 'json', level: 'debug', stream: null, file: folder.logFile, secrets: [...secrets], forward: options.logger, fields: { runId } });
  const addSecret = (value: string): void => {
    if (typeof value !== 'string' || secrets.has(value)) return;
    secrets.add(value);
    logger.addSecret(value);
    redact = createRedactor(secrets);
  };
  const rejects = createRejectsWriter(folder.rejectsFile, (text) => redact(text));
  const events = createEventSink(options.onEvent, now);
  const signal = options.signal ?? new AbortController().signal;
  const stateDir = pipelineStateDir(options.stateDir, pipeline.name);
  const stats = new Map<string, StepStats>(pipeline.steps.map((s) => [s.name, newStats()]));
  const limiters = new Map<string, ManagedRateLimiter>();
  const contexts = new Map<string, StepContext>();
  const setUp: SinkNode[] = [];
  let store: CheckpointStore | undefined;
  let flow: Flow | undefined;
  let resumed = false;
  let upToDate = false;
  /** True once the pipeline's state folder is ours (its checkpoint store is open and locked). */
  let stateDirReady = false;
  let mark: Pick<UpToDateRecord, 'fingerprint' | 'inputVersion'> | undefined;
  let failure: unknown;

  try {
    for (const step of pipeline.steps) assertPluginShape(step);
    const source = pipeline.steps.find((s) => s.kind === 'source');
    if (!source || pipeline.steps.filter((s) => s.kind === 'source').length !== 1) {
      throw new FatalError(`Pipeline "${pipeline.name}" must have exactly one source step.`, {
        code: 'PIPELINE_SHAPE',
        suggestions: ['Validate the pipeline with `etl validate`; exactly one step may use a source plugin.'],
      });
    }
    store = await openCheckpointStore(stateDir);
    stateDirReady = true;
    const previous = store.checkpoint as unknown as RuntimeCheckpoint | undefined;
    resumed = !options.fresh && previous?.v === 1 && previous.status === 'running';
    const lineage = resumed ? previous!.lineage : runId;
    const from = resumed ? previous!.position : undefined;
    const nextSeq = resumed ? previous!.nextSeq : 1;
    if (resumed) logger.info(`resuming run ${previous!.runId} from batch ${nextSeq}`, { lineage, from });
    else logger.info(options.fresh ? 'starting a fresh lineage (--fresh)' : 'starting from the beginning', { lineage, dryRun });
    events.send({ type: 'run-start', runId, resumed, from });

    // Daily budgets outlive a run: their usage is runtime state, committed with the checkpoints.
    const runtimeState = store.state(RUNTIME_NAMESPACE);
    for (const [name, spec] of Object.entries(pipeline.limiters ?? {})) {
      const key = `limiter:${name}:daily`;
      const dailyUsage = spec.daily ? (runtimeState.get(key) as DailyUsage | undefined) : undefined;
      limiters.set(name, createRateLimiter(name, spec, { dailyUsage, onDailySpend: (usage) => runtimeState.set(key, { ...usage }) }));
    }
    // Limiters and retries wait on real timers, so they keep the real clock even when `options.now` is injected.
    const retry = createRetryService();
    const tagged = (step: ResolvedStep): (() => number) => (step.kind === 'transform' ? () => flow?.currentSeq ?? 0 : () => 0);
    for (const step of pipeline.steps) {
      const state = store.state(step.name, tagged(step));
      // Transform state (dedupe's seen keys) describes the records of one lineage; a new lineage starts it empty.
      if (!resumed && step.kind === 'transform') state.clear();
      contexts.set(
        step.name,
        createStepContext(step, {
          pipeline: pipeline.name,
          runId,
          logger,
          signal,
          retry,
          limiters: limiters as Map<string, RateLimiter>,
          state,
          stateDir,
          runDir: folder.dir,
          dryRun,
          fresh: options.fresh === true,
          ...(pipeline.batchSize === undefined ? {} : { batchSize: pipeline.batchSize }),
          stats: stats.get(step.name)!,
          addSecret,
          onProgress: (name, update) => events.progress(name, update),
        }),
      );
    }

    /* Up to date? A run that would read the same input with the same pipeline as the last succeeded run ends here. */
    const sourceCtx = contexts.get(source.name)!;
    if (!resumed && !dryRun) {
      const fingerprint = pipelineFingerprint(pipeline);
      const plugin = source.plugin as SourcePlugin;
      const site = { step: source.name, plugin: source.use, hook: 'inputVersion' };
      const sourceStats = stats.get(source.name)!;
      // close() releases what inputVersion() may hold (a browser, a file) when read() will not run to do it.
      const closeSource = async (): Promise<void> => {
        if (plugin.close) await invoke({ ...site, hook: 'close' }, sourceStats, () => plugin.close!(sourceCtx, source.config));
      };
      let version: string | undefined;
      try {
        version = plugin.inputVersion ? await invoke(site, sourceStats, () => plugin.inputVersion!(sourceCtx, source.config)) : undefined;
      } catch (error) {
        await closeSource().catch(() => undefined);
        throw error;
      }
      // Stored and compared redacted, so a version string that happens to hold a secret never reaches the disk.
      if (typeof version === 'string') mark = { fingerprint, inputVersion: redact(version) };
      const last = options.fresh ? undefined : await readUpToDate(stateDir);
      if (mark && last && last.fingerprint === mark.fingerprint && last.inputVersion === mark.inputVersion) {
        upToDate = true;
        logger.info(upToDateMessage(last), { upToDateSince: last.runId });
        await closeSource();
      } else {
        await clearUpToDate(stateDir);
      }
    }

    if (!upToDate) {
      /* Build the tree: every step hangs under its one input. */
      const nodes = new Map<string, FlowNode>();
      const sinks: SinkNode[] = [];
      for (const step of pipeline.steps) {
        if (step.kind === 'source') continue;
        const ctx = contexts.get(step.name)!;
        const s = stats.get(step.name)!;
        const site = { step: step.name, plugin: step.use, hook: step.kind === 'transform' ? 'create' : 'setup' };
        if (step.kind === 'transform') {
          const plugin = step.plugin as TransformPlugin;
          const fn = await invoke(site, s, () => plugin.create(ctx, step.config));
          if (typeof fn !== 'function') {
            throw new FatalError(`Transform "${step.use}" of step "${step.name}" did not return a function from create().`, {
              code: 'PLUGIN_INVALID',
              context: { step: step.name, plugin: step.use },
              suggestions: ['create(ctx, config) returns `(record, ref) => record | null | rejectRecord(reason)`.'],
            });
          }
          nodes.set(step.name, { kind: 'transform', step, fn, stats: s, children: [] });
        } else {
          const plugin = step.plugin as SinkPlugin;
          const fromPlugin = typeof plugin.batchSize === 'function' ? plugin.batchSize(step.config) : plugin.batchSize;
          const batchSize = Math.max(1, Math.floor(step.batchSize ?? fromPlugin ?? DEFAULT_SINK_BATCH_SIZE));
          const node: SinkNode = { kind: 'sink', step, plugin, ctx, stats: s, batchSize, buffer: new SinkBuffer(), writing: false };
          setUp.push(node); // close() is owed from here on, even if setup() throws
          if (plugin.setup) await invoke(site, s, () => plugin.setup!(ctx, step.config));
          if (resumed) {
            node.skip = previous!.sinks?.[step.name];
            if (plugin.restore) {
              const token = await invoke({ ...site, hook: 'restore' }, s, () => plugin.restore!(ctx, step.config));
              const own = refFromToken(token, lineage);
              if (own && (!node.skip || own.seq > node.skip.seq || (own.seq === node.skip.seq && own.index > node.skip.index))) node.skip = own;
            }
            if (!node.skip) logger.warn('this sink has no checkpoint in the resumed lineage: it receives records from the resume point on only');
          }
          node.last = node.skip;
          nodes.set(step.name, node);
          sinks.push(node);
        }
      }
      const roots: FlowNode[] = [];
      for (const step of pipeline.steps) {
        if (step.kind === 'source') continue;
        const input = step.inputs[0];
        const parent = input === source.name ? undefined : nodes.get(input);
        if (input !== source.name && (!parent || parent.kind !== 'transform')) {
          throw new FatalError(`Step "${step.name}" reads from "${input}", which is not the source or a transform before it.`, {
            code: 'PIPELINE_SHAPE',
            suggestions: ['Validate the pipeline with `etl validate`.'],
          });
        }
        (parent ? (parent as { children: FlowNode[] }).children : roots).push(nodes.get(step.name)!);
      }

      flow = new Flow({ roots, sinks, source, sourceStats: stats.get(source.name)!, rejects, store, lineage, runId, dryRun, nextSeq, from });
      // Record the new lineage before any write: a transactional sink may commit tokens of it, and a crash before the
      // first checkpoint must still resume this lineage (and ask restore()) rather than start another.
      if (!resumed && !dryRun) await flow.commit('running');
      const wake = (): void => flow?.wake();
      let committed = false;
      signal.addEventListener('abort', wake, { once: true });
      try {
        await pumpSource({ flow, source, ctx: sourceCtx, stats: stats.get(source.name)!, from, signal, onBatch: () => events.batches(stats) });
        await flow.drain();
        if (flow.failure) throw flow.failure;
        if (!dryRun) await flow.commit(signal.aborted ? 'running' : 'done');
        committed = true;
      } finally {
        signal.removeEventListener('abort', wake);
        await flow.settle();
        // After a failure, still save what is safe to save: the resume point only covers written records, and the
        // failed sink's own staged state stays held back. Daily budget usage since the last write is kept this way.
        if (!committed && !dryRun) await flow.commit('running').catch(() => undefined);
      }
    }
  } catch (error) {
    failure = error;
  }

  /* Teardown: every sink that was set up is closed, whatever happened. */
  const outcome: RunSummary['status'] = failure && !signal.aborted ? 'failed' : signal.aborted ? 'interrupted' : 'succeeded';
  for (const node of setUp) {
    if (!node.plugin.close) continue;
    const s = stats.get(node.step.name)!;
    try {
      await invoke({ step: node.step.name, plugin: node.step.use, hook: 'close' }, s, () => node.plugin.close!(node.ctx, node.step.config, outcome));
    } catch (error) {
      logger.error(`close() failed: ${(error as Error).message}`, { step: node.step.name, error });
      failure ??= error;
    }
  }
  for (const limiter of limiters.values()) await limiter.stop();
  await store?.close().catch((error: unknown) => {
    failure ??= error;
  });

  const status: RunSummary['status'] = signal.aborted ? 'interrupted' : failure ? 'failed' : 'succeeded';
  if (failure) logger.error(errorLine(failure), { error: failure, cause: (failure as Error)?.cause });
  const steps: StepSummary[] = pipeline.steps.map((step) => toStepSummary(step, stats.get(step.name)!));
  // Dry-run sinks report what they would do, not what they wrote, so only the other steps must balance then.
  if (!failure) checkInvariants(dryRun ? steps.filter((s) => s.kind !== 'sink') : steps, stats, logger);
  events.batches(stats, true);
  const finished = now();
  const summary: RunSummary = {
    runId,
    pipeline: pipeline.name,
    ...(pipeline.profile === undefined ? {} : { profile: pipeline.profile }),
    status,
    resumed,
    dryRun,
    upToDate,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - started,
    steps,
    runDir: folder.dir,
    rejectsFile: folder.rejectsFile,
    logFile: folder.logFile,
  };
  if (status === 'interrupted') {
    const err = new InterruptedError(signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
    summary.error = { code: err.code, message: err.message, exitCode: err.exitCode, suggestions: err.suggestions };
  } else if (failure) {
    summary.error = errorSummary(failure, redact);
  }
  if (!dryRun && !upToDate && stateDirReady) {
    // Only a succeeded run vouches for its destinations; any other end leaves them in a state the next run must redo.
    const record = status === 'succeeded' && mark ? { runId, ...mark, finishedAt: summary.finishedAt } : undefined;
    await (record ? writeUpToDate(stateDir, record) : clearUpToDate(stateDir)).catch((error: unknown) =>
      logger.warn(`could not record the run for up-to-date checks: ${(error as Error).message}`),
    );
  }
  logger.info(`run ${status}`, { durationMs: summary.durationMs });
  await rejects.close();
  await logger.close();
  await writeRunSummary(folder, redact(JSON.stringify(summary, null, 2)));
  events.send({ type: 'run-end', summary });
  return summary;
}

function refFromToken(token: JsonValue | undefined, lineage: string): RecordRef | undefined {
  if (!token || typeof token !== 'object' || Array.isArray(token)) return undefined;
  const { lineage: l, seq, index } = token as Record<string, unknown>;
  return l === lineage && typeof seq === 'number' && typeof index === 'number' ? { seq, index } : undefined;
}

function toStepSummary(step: ResolvedStep, s: StepStats): StepSummary {
  const counters = { ...s.counters };
  if (s.skipped > 0) counters.skipped = s.skipped;
  return {
    step: step.name,
    kind: step.kind,
    plugin: step.use,
    read: s.read,
    written: s.written,
    rejected: s.rejected,
    unchanged: s.unchanged,
    filtered: s.filtered,
    durationMs: Math.round(s.durationMs),
    counters,
  };
}

function errorLine(error: unknown): string {
  if (error instanceof EtlError) {
    const where = typeof error.context.step === 'string' ? ` (step "${error.context.step}")` : '';
    return `${error.message}${where}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function errorSummary(error: unknown, redact: (text: string) => string): NonNullable<RunSummary['error']> {
  if (error instanceof EtlError) {
    return { code: error.code, message: redact(errorLine(error)), exitCode: error.exitCode, suggestions: error.suggestions.map(redact) };
  }
  return {
    code: 'INTERNAL',
    message: redact(errorLine(error)),
    exitCode: ExitCode.internal,
    suggestions: ['This is a bug in etl; please report it with the run log.'],
  };
}

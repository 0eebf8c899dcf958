/**
 * The run's main phase: builds the step tree (transforms created, sinks set up, restored and reconciled), then pumps
 * the source through it until the end, a failure or a stop, committing checkpoints as sinks write.
 */
import { FatalError } from '../errors.js';
import type { JsonValue, RecordRef, SinkPlugin, TransformPlugin } from '../plugins/types.js';
import { Flow, type FlowNode, type SinkNode } from './flow.js';
import { invoke } from './invoke.js';
import { pumpSource } from './pump.js';
import { reportCounts, type RunScope } from './run-scope.js';
import { SinkBuffer } from './sink-buffer.js';
import type { RunStart } from './start.js';

/** Records per sink write when neither the step nor the plugin says. */
export const DEFAULT_SINK_BATCH_SIZE = 1000;

export async function runFlow(scope: RunScope, start: RunStart): Promise<void> {
  const { nodes, sinks } = await buildNodes(scope, start);
  const roots = linkTree(scope, nodes);
  const source = scope.source;
  const flow = new Flow({
    roots,
    sinks,
    source,
    sourceStats: scope.stats.get(source.name)!,
    rejects: scope.rejects,
    store: scope.store,
    lineage: scope.binding.lineage,
    lineageFields: { fresh: scope.binding.fresh, identity: start.identity },
    runId: scope.runId,
    dryRun: scope.dryRun,
    nextSeq: start.nextSeq,
    from: start.from,
    onWrite: (node, records, ms) => {
      scope.observe.sinkWrite({ step: node.step.name, plugin: node.step.plugin.name, records, seconds: ms / 1000 });
      reportCounts(scope);
    },
  });
  scope.currentSeq = () => flow.currentSeq;
  // Record the new lineage before any write: a transactional sink may commit tokens of it, and a crash before the
  // first checkpoint must still resume this lineage (and ask restore()) rather than start another.
  if (!start.resumed && !scope.dryRun) await flow.commit('running');
  const wake = (): void => flow.wake();
  let committed = false;
  scope.signal.addEventListener('abort', wake, { once: true });
  try {
    const stats = scope.stats.get(source.name)!;
    const ctx = scope.contexts.get(source.name)!;
    await pumpSource({
      flow,
      source,
      ctx,
      stats,
      from: start.from,
      signal: scope.signal,
      onBatch: (records, ms) => {
        scope.events.batches(scope.stats);
        scope.observe.sourceBatch({ step: source.name, records, seconds: ms / 1000 });
        reportCounts(scope);
      },
    });
    await flow.drain();
    if (flow.failure) throw flow.failure;
    if (!scope.dryRun) await flow.commit(scope.signal.aborted ? 'running' : 'done');
    committed = true;
  } finally {
    scope.signal.removeEventListener('abort', wake);
    await flow.settle();
    // After a failure, still save what is safe to save: the resume point only covers written records, and the
    // failed sink's own staged state stays held back. Daily budget usage since the last write is kept this way.
    if (!committed && !scope.dryRun) await flow.commit('running').catch(() => undefined);
  }
}

async function buildNodes(
  scope: RunScope,
  start: RunStart,
): Promise<{ nodes: Map<string, FlowNode>; sinks: SinkNode[] }> {
  const nodes = new Map<string, FlowNode>();
  const sinks: SinkNode[] = [];
  for (const step of scope.pipeline.steps) {
    if (step.kind === 'source') continue;
    const ctx = scope.contexts.get(step.name)!;
    const stats = scope.stats.get(step.name)!;
    if (step.kind === 'transform') {
      const plugin = step.plugin as TransformPlugin;
      const fn = await invoke({ step: step.name, plugin: step.use, hook: 'create' }, stats, () =>
        plugin.create(ctx, step.config),
      );
      if (typeof fn !== 'function') {
        throw new FatalError(
          `Transform "${step.use}" of step "${step.name}" did not return a function from create().`,
          {
            code: 'PLUGIN_INVALID',
            context: { step: step.name, plugin: step.use },
            suggestions: ['create(ctx, config) returns `(record, ref) => record | null | rejectRecord(reason)`.'],
          },
        );
      }
      nodes.set(step.name, { kind: 'transform', step, fn, stats, children: [] });
      continue;
    }
    const plugin = step.plugin as SinkPlugin;
    const fromPlugin = typeof plugin.batchSize === 'function' ? plugin.batchSize(step.config) : plugin.batchSize;
    const batchSize = Math.max(1, Math.floor(step.batchSize ?? fromPlugin ?? DEFAULT_SINK_BATCH_SIZE));
    const namespace = scope.sinks.get(step.name)!.namespace;
    const node: SinkNode = {
      kind: 'sink',
      step,
      plugin,
      ctx,
      stats,
      batchSize,
      namespace,
      buffer: new SinkBuffer(),
      writing: false,
    };
    const site = { step: step.name, plugin: step.use, hook: 'setup' };
    if (plugin.setup) await invoke(site, stats, () => plugin.setup!(ctx, step.config));
    if (start.resumed) await restoreSink(node, start);
    node.last = node.skip;
    if (scope.options.reconcile) await reconcileSink(scope, node);
    nodes.set(step.name, node);
    sinks.push(node);
  }
  return { nodes, sinks };
}

/** Where a resumed sink continues: after its checkpoint in the lineage, or its own transactional token if later. */
async function restoreSink(node: SinkNode, start: RunStart): Promise<void> {
  const { step, plugin, ctx, stats } = node;
  const previous = start.previous!;
  node.skip = previous.sinks?.[step.name];
  if (plugin.restore) {
    const token = await invoke({ step: step.name, plugin: step.use, hook: 'restore' }, stats, () =>
      plugin.restore!(ctx, step.config),
    );
    const own = refFromToken(token, previous.lineage);
    if (own && (!node.skip || own.seq > node.skip.seq || (own.seq === node.skip.seq && own.index > node.skip.index)))
      node.skip = own;
  }
  const anyCommitted =
    previous.nextSeq > 1 || previous.position !== undefined || Object.keys(previous.sinks ?? {}).length > 0;
  if (!node.skip && anyCommitted)
    ctx.logger.warn(
      'this sink has no checkpoint in the resumed lineage: it receives records from the resume point on only',
    );
}

async function reconcileSink(scope: RunScope, node: SinkNode): Promise<void> {
  const { step, plugin, ctx, stats } = node;
  if (!plugin.reconcile) {
    ctx.logger.info(`--reconcile: the "${step.use}" sink cannot read back what it wrote; it is not reconciled`);
    return;
  }
  const report = await invoke({ step: step.name, plugin: step.use, hook: 'reconcile' }, stats, () =>
    plugin.reconcile!(ctx, step.config),
  );
  scope.reconciled.set(step.name, report);
  ctx.logger.info(
    `reconciled: ${report.checked} checked${report.reads === undefined ? '' : ` in ${report.reads} reads`}, ${report.missing} missing, ` +
      `${report.different} different; those are sent again`,
    { reconcile: report },
  );
}

/** Hangs every step under its one input; returns the steps that read from the source. */
function linkTree(scope: RunScope, nodes: Map<string, FlowNode>): FlowNode[] {
  const roots: FlowNode[] = [];
  const source = scope.source;
  for (const step of scope.pipeline.steps) {
    if (step.kind === 'source') continue;
    const input = step.inputs[0];
    const parent = input === source.name ? undefined : nodes.get(input);
    if (input !== source.name && parent?.kind !== 'transform') {
      throw new FatalError(
        `Step "${step.name}" reads from "${input}", which is not the source or a transform before it.`,
        {
          code: 'PIPELINE_SHAPE',
          suggestions: ['Validate the pipeline with `etl validate`.'],
        },
      );
    }
    (parent ? (parent as { children: FlowNode[] }).children : roots).push(nodes.get(step.name)!);
  }
  return roots;
}

function refFromToken(token: JsonValue | undefined, lineage: string): RecordRef | undefined {
  if (!token || typeof token !== 'object' || Array.isArray(token)) return undefined;
  const { lineage: l, seq, index } = token as Record<string, unknown>;
  return l === lineage && typeof seq === 'number' && typeof index === 'number' ? { seq, index } : undefined;
}

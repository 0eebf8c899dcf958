/**
 * Binds each sink's state to the destination it writes to. A ledger says what one destination holds; trusting it for
 * another (a second HubSpot portal, another database) would report records as unchanged that were never sent there.
 */
import type { SinkPlugin } from '../plugins/types.js';
import { invoke } from './invoke.js';
import { checkedDestination, RUNTIME_NAMESPACE, type RunScope, type SinkBinding } from './run-scope.js';

const knownKey = (step: string, id: string): string => `destination:${step}:${id}`;

/**
 * Asks every sink's `destination()` (before `setup()`), binds the step's state to `<step>@<id>`, and logs whether the
 * destination is new to this pipeline. Sinks without the hook keep their state under the step's name.
 */
export async function bindDestinations(scope: RunScope): Promise<void> {
  const runtimeState = scope.store.state(RUNTIME_NAMESPACE);
  for (const step of scope.pipeline.steps) {
    if (step.kind !== 'sink') continue;
    const plugin = step.plugin as SinkPlugin;
    const ctx = scope.contexts.get(step.name)!;
    scope.owed.push(step); // close() is owed from here on, even if destination() throws
    if (!plugin.destination) {
      scope.sinks.set(step.name, { namespace: step.name, known: true });
      continue;
    }
    const site = { step: step.name, plugin: step.use, hook: 'destination' };
    const destination = checkedDestination(
      step,
      await invoke(site, scope.stats.get(step.name)!, () => plugin.destination!(ctx, step.config)),
    );
    const namespace = `${step.name}@${destination.id}`;
    const entries = await scope.store.count(namespace);
    const known = entries > 0 || runtimeState.has(knownKey(step.name, destination.id));
    const binding: SinkBinding = { namespace, destination, known };
    scope.sinks.set(step.name, binding);
    const log = scope.logger.child({ step: step.name, destination: destination.id });
    if (known) log.info(`writes to ${destination.label} (${entries} state entries from earlier runs)`);
    else log.info(`new destination ${destination.label}: no ledger yet, every record will be sent`);
    if (destination.note) log.warn(destination.note);
    await dropUnboundState(scope, step.name);
  }
}

/**
 * State an older etl kept under the bare step name does not say which destination it describes: it is dropped (with
 * the next commit) rather than trusted.
 */
async function dropUnboundState(scope: RunScope, step: string): Promise<void> {
  const entries = await scope.store.count(step);
  if (scope.dryRun || entries === 0) return;
  const legacy = scope.store.state(step);
  scope.logger.warn(
    `dropping ${entries} state entries of step "${step}" kept by an older etl: they do not say which destination they describe`,
    { step },
  );
  legacy.clear();
}

/** Records (with the next commit) that this pipeline has written to each bound destination. */
export function rememberDestinations(scope: RunScope): void {
  const runtimeState = scope.store.state(RUNTIME_NAMESPACE);
  for (const [step, binding] of scope.sinks) {
    if (!binding.destination) continue;
    const key = knownKey(step, binding.destination.id);
    if (!runtimeState.has(key)) runtimeState.set(key, { firstRun: scope.runId, label: binding.destination.label });
  }
}

/** `--fresh`: every sink starts with empty state, for every destination it has state for (not only today's). */
export function clearSinkState(scope: RunScope): void {
  for (const step of scope.pipeline.steps) {
    if (step.kind !== 'sink') continue;
    for (const namespace of scope.store.namespaces()) {
      if (namespace === step.name || namespace.startsWith(`${step.name}@`)) scope.store.state(namespace).clear();
    }
  }
}

/** Sink step → destination id, for the lineage identity and the up-to-date record. */
export function destinationIds(scope: RunScope): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const [step, binding] of scope.sinks) if (binding.destination) ids[step] = binding.destination.id;
  return ids;
}

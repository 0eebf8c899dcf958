/**
 * `--metrics-port`: a prom-client registry with the run metrics (and Node's process metrics), served over HTTP.
 * Loaded only when the flag is given (oclif imports every command to list them; prom-client need not load then).
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerRunMetrics } from './run-metrics.js';
import { serveMetrics, type MetricsServer } from './server.js';

export { registerRunMetrics, statusClass } from './run-metrics.js';
export { registerQueueMetrics, type QueueCounts } from './queue-metrics.js';

export interface Metrics {
  readonly registry: Registry;
  readonly observer: ReturnType<typeof registerRunMetrics>['observer'];
  readonly server: MetricsServer;
}

/** Every metric this process exports, registered in a fresh registry (the dashboard test reads the names from it). */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export async function startMetrics(host: string, port: number): Promise<Metrics> {
  const registry = createRegistry();
  const { observer } = registerRunMetrics(registry);
  const server = await serveMetrics(registry, host, port);
  return { registry, observer, server };
}

/** Waits for one more scrape, at most `seconds` or until `signal` aborts, so the values at the end are collected. */
export async function lingerForScrape(server: MetricsServer, seconds: number, signal: AbortSignal): Promise<void> {
  if (seconds <= 0 || signal.aborted) return;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  await Promise.race([
    server.nextScrape(),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, seconds * 1000);
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    }),
  ]);
  clearTimeout(timer);
  if (onAbort) signal.removeEventListener('abort', onAbort);
}

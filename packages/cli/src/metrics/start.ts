/**
 * What `etl run` and `etl worker` do with `--metrics-port`. prom-client loads only here, when the flag is given:
 * oclif imports every command to list them.
 */
import type { RunObserver } from '@etl/core';
import type { RunQueue } from '@etl/queue';

export interface RunMetricsHandle {
  observer: RunObserver;
  /** Lingers for a last scrape (`--metrics-linger`, cut short by `signal`), then stops serving. */
  finish(lingerSeconds: number, signal: AbortSignal): Promise<void>;
}

export async function startRunMetrics(
  host: string,
  port: number,
  say: (line: string) => void,
): Promise<RunMetricsHandle> {
  const { lingerForScrape, startMetrics } = await import('./index.js');
  const { observer, server } = await startMetrics(host, port);
  say(`metrics: ${server.url}`);
  return {
    observer,
    async finish(lingerSeconds, signal) {
      if (lingerSeconds > 0 && !signal.aborted)
        say(`metrics: the run ended; serving the final values until the next scrape (at most ${lingerSeconds} s)`);
      await lingerForScrape(server, lingerSeconds, signal);
      await server.close();
    },
  };
}

export interface WorkerMetricsHandle {
  url: string;
  observer: RunObserver;
  close(): Promise<void>;
}

/** The run metrics, plus the queue's depth and workers, read at each scrape through `queue` (closed with it). */
export async function startWorkerMetrics(queue: RunQueue, host: string, port: number): Promise<WorkerMetricsHandle> {
  const { registerQueueMetrics, startMetrics } = await import('./index.js');
  const metrics = await startMetrics(host, port).catch(async (error: unknown) => {
    await queue.close();
    throw error;
  });
  registerQueueMetrics(metrics.registry, { jobs: () => queue.jobCounts(), workers: () => queue.workerCount() });
  return {
    url: metrics.server.url,
    observer: metrics.observer,
    async close() {
      await metrics.server.close();
      await queue.close();
    },
  };
}

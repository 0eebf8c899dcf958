/** The worker's view of the queue: jobs by state and the workers connected to it, read from Redis at each scrape. */
import { Gauge, type Registry } from 'prom-client';

export interface QueueCounts {
  /** Jobs by state (waiting, active, delayed, prioritized, failed, ...). */
  jobs(): Promise<Record<string, number>>;
  /** Workers connected to the queue, on every host. */
  workers(): Promise<number>;
}

export function registerQueueMetrics(registry: Registry, queue: QueueCounts): void {
  new Gauge({
    name: 'etl_queue_jobs',
    help: 'Jobs in the run queue by state (waiting, delayed, active, ...), all hosts.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      for (const [state, count] of Object.entries(await queue.jobs())) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'etl_queue_workers',
    help: 'Workers taking runs from the queue, on every host.',
    registers: [registry],
    async collect() {
      this.set(await queue.workers());
    },
  });
}

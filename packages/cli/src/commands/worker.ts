import { Flags } from '@oclif/core';
import { stateUrlOf } from '../state-store.js';
import { EtlCommand, sharedFlags } from '../base-command.js';
import { metricsFlags } from '../metrics/flags.js';
import { startWorkerMetrics, type WorkerMetricsHandle } from '../metrics/start.js';
import { wireSignals } from '../signals.js';
import { loadQueue } from '../queue.js';

export default class Worker extends EtlCommand {
  static override summary = 'Take runs from the queue until stopped.';
  static override description =
    `Takes runs added by \`etl enqueue\` and \`etl schedule\` from the BullMQ queue on Redis (REDIS_URL, default redis://127.0.0.1:6379; keys under ETL_REDIS_PREFIX, default etl) and runs each as \`etl run\` would in this folder: same project config, .env, state folder and exit codes; each run is listed by \`etl runs\`.
Start one or more workers per machine; they share the queue. SIGTERM (or Ctrl-C) stops taking runs, lets each running one checkpoint its current batch, puts it back in the queue for the next worker, and exits 143 (130). A worker that dies without stopping (SIGKILL, a lost machine) leaves its runs to the other workers within seconds; they resume from the checkpoint.`;

  static override examples = [
    { description: 'One run at a time', command: '<%= config.bin %> worker' },
    {
      description: 'Three runs at once, JSON log lines',
      command: '<%= config.bin %> worker --concurrency 3 --log-format json',
    },
  ];

  static override flags = {
    concurrency: Flags.integer({
      char: 'c',
      description: 'Runs at once in this process.',
      default: 1,
      min: 1,
      max: 64,
    }),
    'log-format': sharedFlags['log-format'],
    'log-level': sharedFlags['log-level'],
    ...metricsFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Worker);
    const project = await this.project();
    const { redisTarget, safeUrl, startRunWorker, RunQueue } = await loadQueue();
    const { runQueued } = await import('../queued-run.js');
    const target = redisTarget();
    let stopped!: () => void;
    const stop = new Promise<void>((resolve) => (stopped = resolve));
    const signals = wireSignals((signal) => {
      this.printErr(`${signal}: checkpointing the running runs and putting them back in the queue...`);
      stopped();
    });
    const port = flags['metrics-port'];
    let metrics: WorkerMetricsHandle | undefined;
    try {
      if (port !== undefined) {
        metrics = await startWorkerMetrics(new RunQueue(target), flags['metrics-host'], port);
        this.printErr(`metrics: ${metrics.url}`);
      }
      const worker = await startRunWorker({
        ...target,
        concurrency: flags.concurrency,
        run: (data, signal, jobId) =>
          runQueued(data, signal, jobId, {
            stateDir: project.stateDir,
            stateUrl: stateUrlOf(project),
            logFormat: flags['log-format'],
            logLevel: flags['log-level'],
            ...(metrics ? { observers: [metrics.observer] } : {}),
          }),
        onEvent: (event) => this.printErr(describe(event)),
      });
      this.printErr(
        `worker ${process.pid}: taking runs from ${safeUrl(target.url)} (prefix ${target.prefix}), ${flags.concurrency} at a time`,
      );
      await stop;
      await worker.stop();
    } finally {
      await metrics?.close();
      signals.dispose();
    }
    this.printErr(`worker ${process.pid}: stopped`);
    if (signals.exitCode !== undefined) this.exit(signals.exitCode);
  }
}

function describe(event: import('@etl/queue').WorkerEvent): string {
  switch (event.type) {
    case 'started':
      return `job ${event.jobId}: run ${event.data.pipeline}${event.data.profile ? ` --profile ${event.data.profile}` : ''}`;
    case 'finished': {
      const r = event.result;
      const what = r.upToDate ? 'nothing to do' : r.status;
      return `job ${event.jobId}: ${r.runId ?? r.pipeline} ${what}, exit ${r.exitCode}${r.message ? `: ${r.message}` : ''}`;
    }
    case 'requeued':
      return `job ${event.jobId}: back in the queue (${event.reason})`;
    case 'failed':
      return `job ${event.jobId} failed: ${event.message}`;
    case 'error':
      return `worker error: ${event.message}`;
  }
}

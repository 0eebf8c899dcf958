import { Args, Flags } from '@oclif/core';
import { EtlCommand, sharedFlags } from '../base-command.js';
import { loadQueue } from '../queue.js';

export default class Enqueue extends EtlCommand {
  static override summary = 'Add a run to the queue that `etl worker` takes runs from.';
  static override description =
    `Adds a run of the pipeline to the BullMQ queue on Redis (REDIS_URL, default redis://127.0.0.1:6379; keys under ETL_REDIS_PREFIX, default etl). A worker runs it as \`etl run <pipeline> --profile P --set …\` would in its own folder.
With --wait it waits until a worker has finished the run (however many workers it took, if one died or stopped) and exits with the run's exit code.`;

  static override examples = [
    { description: 'Queue a run of the demo profile', command: '<%= config.bin %> enqueue babynames --profile demo' },
    {
      description: 'Queue a run and wait for it; exit with its code',
      command: '<%= config.bin %> enqueue babynames --set steps.hubspot.config.limit=60 --wait',
    },
  ];

  static override args = {
    pipeline: Args.string({
      description: 'Pipeline name (pipelines/<name>.yaml) or path, as the worker will find it.',
      required: true,
    }),
  };

  static override enableJsonFlag = true;
  static override jsonOnOneLine = true;

  static override flags = {
    profile: sharedFlags.profile,
    set: sharedFlags.set,
    wait: Flags.boolean({ description: "Wait until the run ends; exit with the run's exit code.", default: false }),
  };

  async run(): Promise<object> {
    const { args, flags } = await this.parse(Enqueue);
    await this.project();
    const { RunQueue, redisTarget } = await loadQueue();
    const queue = await new RunQueue(redisTarget()).ready();
    const data = { pipeline: args.pipeline, profile: flags.profile, sets: flags.set };
    try {
      if (!flags.wait) {
        const job = await queue.enqueue(data);
        if (!this.jsonEnabled()) this.print(`Queued job ${job.id}: run ${args.pipeline}. \`etl worker\` takes it.`);
        return { jobId: job.id, ...job.data };
      }
      const result = await queue.enqueueAndWait(data, (job) => {
        if (!this.jsonEnabled()) this.printErr(`Queued job ${job.id}: run ${args.pipeline}; waiting for a worker...`);
      });
      if (!this.jsonEnabled()) {
        const what = result.upToDate ? 'nothing to do' : result.status;
        this.print(
          `${result.runId ?? result.pipeline}: ${what} (exit ${result.exitCode})${result.message ? `: ${result.message}` : ''}`,
        );
      }
      return this.finish(result, result.exitCode);
    } finally {
      await queue.close();
    }
  }
}

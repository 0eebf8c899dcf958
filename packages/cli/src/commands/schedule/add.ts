import { Args, Flags } from '@oclif/core';
import { EtlCommand } from '../../base-command.js';
import { loadQueue } from '../../queue.js';

export default class ScheduleAdd extends EtlCommand {
  static override summary = 'Queue a run of a pipeline on a cron timer.';
  static override description =
    `Adds (or replaces) a BullMQ job scheduler with this id: at each time the cron expression names, a run of the pipeline is queued, and a worker (\`etl worker\`) runs it. A run that finds its input and pipeline unchanged since the last succeeded one ends at once as "nothing to do".
The schedule lives in Redis (REDIS_URL, keys under ETL_REDIS_PREFIX); any machine can add, list or remove it.`;

  static override examples = [
    {
      description:
        'Every night at 02:00 (the machine running the workers does not matter: the time is UTC unless --tz)',
      command: '<%= config.bin %> schedule add nightly babynames --cron "0 2 * * *" --profile demo',
    },
    {
      description: 'Every 15 minutes',
      command: '<%= config.bin %> schedule add often babynames --cron "*/15 * * * *"',
    },
  ];

  static override args = {
    id: Args.string({ description: 'Name of the schedule (adding an existing one replaces it).', required: true }),
    pipeline: Args.string({ description: 'Pipeline name or path, as the worker will find it.', required: true }),
  };

  static override enableJsonFlag = true;

  static override flags = {
    cron: Flags.string({ description: 'When: a cron expression (5 fields, or 6 with seconds first).', required: true }),
    tz: Flags.string({ description: 'Time zone of the cron expression, e.g. Europe/Paris.', default: 'UTC' }),
    profile: Flags.string({ char: 'p', description: 'Apply this profile from the pipeline file.' }),
    set: Flags.string({ description: 'Override a value (dotted path = YAML value). Repeatable.', multiple: true }),
  };

  async run(): Promise<object> {
    const { args, flags } = await this.parse(ScheduleAdd);
    await this.project();
    const { RunQueue, redisTarget } = await loadQueue();
    const queue = await new RunQueue(redisTarget()).ready();
    try {
      const data = { pipeline: args.pipeline, profile: flags.profile, sets: flags.set };
      const info = await queue.addSchedule(args.id, flags.cron, data, flags.tz);
      if (!this.jsonEnabled())
        this.print(
          `Schedule ${info.id}: run ${args.pipeline} at "${flags.cron}" (${flags.tz})${info.next ? `; next ${new Date(info.next).toISOString()}` : ''}.`,
        );
      return info;
    } finally {
      await queue.close();
    }
  }
}

import { EtlCommand, jsonFlag } from '../../base-command.js';
import { table } from '../../render/table.js';
import { loadQueue } from '../../queue.js';

export default class ScheduleList extends EtlCommand {
  static override summary = 'List the schedules: id, pipeline, cron, next run.';
  static override examples = [{ description: 'As a table', command: '<%= config.bin %> schedule list' }];
  static override flags = { ...jsonFlag };

  async run(): Promise<void> {
    const { flags } = await this.parse(ScheduleList);
    this.jsonOutput = flags.json;
    this.debugOutput = flags.debug;
    await this.project();
    const { RunQueue, redisTarget } = await loadQueue();
    const queue = await new RunQueue(redisTarget()).ready();
    try {
      const schedules = await queue.listSchedules();
      if (flags.json) return this.print(JSON.stringify(schedules));
      if (schedules.length === 0) return this.print('No schedules. Add one with `etl schedule add`.');
      this.print(
        table(
          ['id', 'pipeline', 'profile', 'cron', 'tz', 'next'],
          schedules.map((s) => [
            s.id,
            s.data.pipeline,
            s.data.profile ?? '',
            s.cron ?? '',
            s.tz ?? '',
            s.next ? new Date(s.next).toISOString() : '',
          ]),
        ),
      );
    } finally {
      await queue.close();
    }
  }
}

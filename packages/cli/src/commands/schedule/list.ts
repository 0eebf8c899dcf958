import { EtlCommand } from '../../base-command.js';
import { table } from '../../render/table.js';
import { loadQueue } from '../../queue.js';

export default class ScheduleList extends EtlCommand {
  static override summary = 'List the schedules: id, pipeline, cron, next run.';
  static override examples = [{ description: 'As a table', command: '<%= config.bin %> schedule list' }];
  static override enableJsonFlag = true;

  async run(): Promise<object> {
    await this.parse(ScheduleList);
    await this.project();
    const { RunQueue, redisTarget } = await loadQueue();
    const queue = await new RunQueue(redisTarget()).ready();
    try {
      const schedules = await queue.listSchedules();
      if (this.jsonEnabled()) return schedules;
      if (schedules.length === 0) {
        this.print('No schedules. Add one with `etl schedule add`.');
        return schedules;
      }
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
      return schedules;
    } finally {
      await queue.close();
    }
  }
}

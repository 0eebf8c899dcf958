import { Args } from '@oclif/core';
import { EtlError, ExitCode } from '@etl/core';
import { EtlCommand } from '../../base-command.js';
import { loadQueue } from '../../queue.js';

export default class ScheduleRemove extends EtlCommand {
  static override summary = 'Remove a schedule (runs already queued still run).';
  static override examples = [
    { description: 'Stop the nightly runs', command: '<%= config.bin %> schedule remove nightly' },
  ];
  static override args = { id: Args.string({ description: 'Name of the schedule.', required: true }) };
  static override enableJsonFlag = true;

  async run(): Promise<object> {
    const { args } = await this.parse(ScheduleRemove);
    await this.project();
    const { RunQueue, redisTarget } = await loadQueue();
    const queue = await new RunQueue(redisTarget()).ready();
    try {
      const known = (await queue.listSchedules()).some((s) => s.id === args.id);
      if (!known) throw new ScheduleNotFound(args.id);
      await queue.removeSchedule(args.id);
      if (!this.jsonEnabled()) this.print(`Schedule ${args.id} removed.`);
      return { removed: args.id };
    } finally {
      await queue.close();
    }
  }
}

class ScheduleNotFound extends EtlError {
  override readonly exitCode = ExitCode.usage;
  constructor(id: string) {
    super(`No schedule "${id}".`, {
      code: 'SCHEDULE_NOT_FOUND',
      suggestions: ['`etl schedule list` shows the schedules.'],
    });
  }
}

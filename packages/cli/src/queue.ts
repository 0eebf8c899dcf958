/**
 * @etl/queue (BullMQ, ioredis) is an optional peer of the CLI: only `etl worker`, `enqueue`, `schedule` and limiters
 * with `store: redis` need it, so an install that never uses Redis does without it.
 */
import { PluginLoadError } from '@etl/core';

export type Queue = typeof import('@etl/queue');

export async function loadQueue(): Promise<Queue> {
  try {
    return await import('@etl/queue');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' || !String((error as Error).message).includes('@etl/queue')) throw error;
    throw new PluginLoadError('Queues, schedules and limiters shared through Redis need the @etl/queue package.', {
      code: 'QUEUE_NOT_INSTALLED',
      cause: error,
      suggestions: ['Install it beside the etl CLI: `npm install @etl/queue` (or pnpm add / yarn add).'],
    });
  }
}

/**
 * The `__USE__` source. As generated it reads numbered records from a pretend paged API (`fetchPage` below): replace
 * `fetchPage` with a real request (`createHttpClient` from `@etl/core` handles rate limits, retries and secrets).
 *
 * - `read()` yields batches `{ records, position }`; `position` is where to resume after the batch (JSON), and a
 *   resumed run gets the last committed one back as `from`.
 * - Stop when `ctx.signal` is aborted: the runtime checkpoints what the sinks flushed.
 */
import { defineSource, type ConfigFromSchema, type ConfigSchema, type SourcePlugin, type StepContext } from '@etl/core';

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    count: { type: 'integer', minimum: 0, default: 25, description: 'How many records the pretend API holds.' },
    pageSize: { type: 'integer', minimum: 1, default: 10, description: 'Records per page; one page is one batch.', examples: [100] },
  },
} as const satisfies ConfigSchema;

/** The config hooks get, derived from the schema: a field with a `default` is always present. */
export type __TYPE__Config = ConfigFromSchema<typeof configSchema>;

interface Page {
  items: Array<Record<string, unknown>>;
  /** The cursor of the next page, undefined after the last one. */
  next?: number;
}

/** Replace with a request to your API. */
async function fetchPage(_ctx: StepContext, config: __TYPE__Config, cursor: number): Promise<Page> {
  const items = [];
  for (let id = cursor; id < Math.min(cursor + config.pageSize, config.count); id++) items.push({ id, name: `name ${id}` });
  const next = cursor + items.length;
  return { items, next: next < config.count ? next : undefined };
}

export function __FACTORY__(): SourcePlugin<__TYPE__Config> {
  return defineSource<__TYPE__Config>({
    name: '__USE__',
    description: 'Reads records from a paged API (a generated starting point).',
    configSchema,

    async *read(ctx, config, from) {
      let cursor: number | undefined = typeof from === 'number' ? from : 0;
      while (cursor !== undefined && !ctx.signal.aborted) {
        const page = await fetchPage(ctx, config, cursor);
        const end: number = page.next ?? cursor + page.items.length;
        if (page.items.length > 0) yield { records: page.items, position: end };
        cursor = page.next;
      }
    },
  });
}

export default __FACTORY__;

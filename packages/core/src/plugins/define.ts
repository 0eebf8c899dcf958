import type { DataRecord, SinkPlugin, SourcePlugin, TransformPlugin, TransformRejection } from './types.js';

/** Identity helpers: they only give a plugin object its type, like vite's `defineConfig`. */
export const defineSource = <Config = DataRecord>(
  plugin: Omit<SourcePlugin<Config>, 'kind'> & { kind?: 'source' },
): SourcePlugin<Config> => ({ ...plugin, kind: 'source' }) as SourcePlugin<Config>;
export const defineTransform = <Config = DataRecord>(
  plugin: Omit<TransformPlugin<Config>, 'kind'> & { kind?: 'transform' },
): TransformPlugin<Config> => ({ ...plugin, kind: 'transform' }) as TransformPlugin<Config>;
export const defineSink = <Config = DataRecord>(
  plugin: Omit<SinkPlugin<Config>, 'kind'> & { kind?: 'sink' },
): SinkPlugin<Config> => ({ ...plugin, kind: 'sink' }) as SinkPlugin<Config>;

/** What a transform returns to reject the record it was given. */
export const rejectRecord = (reason: string): TransformRejection => ({ __rejected: true, reason });

export const isRejection = (value: unknown): value is TransformRejection =>
  typeof value === 'object' && value !== null && (value as { __rejected?: unknown }).__rejected === true;

/**
 * The package's plugin factory as `use: hubspot` resolves it: its name, config schema and template check are here,
 * and every hook that talks to HubSpot loads the sink itself (`sink.ts`, with axios) on first call. So importing the
 * package, as `etl validate` does for the schema, costs no HTTP stack.
 */
import { defineSink, type SinkPlugin } from '@etl/core';
import type { HubspotConfig } from './config.js';
import { hubspotMeta } from './meta.js';

/** The `hubspot` sink plugin. Call once per step: the run's session lives in the sink this wraps. */
export function hubspotSink(): SinkPlugin<HubspotConfig> {
  let loaded: Promise<SinkPlugin<HubspotConfig>> | undefined;
  let sink: SinkPlugin<HubspotConfig> | undefined;
  const full = (): Promise<SinkPlugin<HubspotConfig>> =>
    (loaded ??= import('./sink.js').then(({ hubspotSink: make }) => (sink = make())));
  return defineSink<HubspotConfig>({
    ...hubspotMeta,
    check: async (ctx, config) => (await full()).check!(ctx, config),
    destination: async (ctx, config) => (await full()).destination!(ctx, config),
    setup: async (ctx, config) => (await full()).setup!(ctx, config),
    reconcile: async (ctx, config) => (await full()).reconcile!(ctx, config),
    write: async (ctx, config, batch) => (sink ?? (await full())).write(ctx, config, batch),
    // Nothing to close when no hook ever needed the sink.
    close: async (ctx, config, outcome) => {
      if (loaded) await (await loaded).close!(ctx, config, outcome);
    },
  });
}

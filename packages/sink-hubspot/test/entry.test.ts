/** The package entry is light (no axios) yet is the same plugin: the hooks of the sink it loads on first use. */
import { describe, expect, it } from 'vitest';
import hubspotSink from '@etl/sink-hubspot';
import { hubspotSink as loadedSink } from '../src/sink.js';

const hooks = (plugin: object) =>
  Object.entries(plugin)
    .filter(([, value]) => typeof value === 'function')
    .map(([name]) => name)
    .sort();

describe('the package entry', () => {
  it('has exactly the hooks of the sink it delegates to, and the same name and schema', () => {
    const entry = hubspotSink();
    const full = loadedSink();
    expect(hooks(entry)).toEqual(hooks(full));
    expect(entry.name).toBe(full.name);
    expect(entry.configSchema).toBe(full.configSchema);
  });

  it('checks templates without loading the sink', () => {
    const problems = hubspotSink().checkConfig!(
      { properties: { email: '{{ name | nosuchfilter }}' } } as never,
      {} as never,
    );
    expect(problems).toEqual([expect.objectContaining({ path: 'properties.email' })]);
  });
});

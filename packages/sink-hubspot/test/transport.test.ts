import { afterEach, describe, expect, it } from 'vitest';
import { applyConfigDefaults, ConfigError } from '@etl/core';
import { configSchema, hubspotSink } from '@etl/sink-hubspot';
import { createClient } from '@etl/sink-hubspot/runtime';
import { closeContexts, testContext } from './helpers/context.js';

afterEach(closeContexts);

const base = { accessToken: 'pat-secret-token', properties: { email: '{{ email }}' } };

describe('the Bearer token never goes over plain http to another host', () => {
  it('an http:// baseUrl to a remote host is refused before any request', async () => {
    const ctx = await testContext();
    const attempt = () =>
      createClient(ctx, applyConfigDefaults(configSchema, { ...base, baseUrl: 'http://api.hubapi.com' }));
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/hubspot: baseUrl http:\/\/api.hubapi.com is plain http/);
  });

  it('`etl validate` reports it at baseUrl', () => {
    expect(
      hubspotSink().checkConfig?.(applyConfigDefaults(configSchema, { ...base, baseUrl: 'http://api.hubapi.com' })),
    ).toEqual([{ path: 'baseUrl', message: expect.stringContaining('plain http') }]);
    expect(
      hubspotSink().checkConfig?.(applyConfigDefaults(configSchema, { ...base, baseUrl: 'http://127.0.0.1:4010' })),
    ).toEqual([]);
  });

  it('loopback (the sandbox) and https are fine; allowInsecureHttp warns on every run', async () => {
    const ctx = await testContext();
    createClient(ctx, applyConfigDefaults(configSchema, { ...base, baseUrl: 'http://127.0.0.1:9' })).ownLimiter?.stop();
    createClient(
      ctx,
      applyConfigDefaults(configSchema, { ...base, baseUrl: 'https://api.hubapi.com' }),
    ).ownLimiter?.stop();
    expect(ctx.lines.filter((line) => line.level === 'warn')).toEqual([]);
    createClient(
      ctx,
      applyConfigDefaults(configSchema, { ...base, baseUrl: 'http://crm.internal', allowInsecureHttp: true }),
    ).ownLimiter?.stop();
    expect(ctx.lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual([
      'hubspot: allowInsecureHttp is set; http://crm.internal is plain http: credentials and data would cross the network unencrypted.',
    ]);
  });
});

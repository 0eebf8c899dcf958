import { describe, expect, it } from 'vitest';
import { applyConfigDefaults, ConfigError } from '@etl/core';
import { configSchema, hashProperties, rateFromConfig } from '@etl/sink-hubspot';
import { createMapper } from '../src/mapping.js';

const config = applyConfigDefaults(configSchema, {
  accessToken: 't',
  properties: {
    email: '{{ name | slug }}.{{ sex | lower }}@babynames.example.com',
    firstname: '{{ name }}',
    babyname_sex: '{{ sex }}',
  },
});

describe('mapping records to contacts', () => {
  const map = createMapper(config, new Map([['babyname_sex', new Set(['F', 'M'])]]));

  it('renders the templates and uses the lowercased email as identity', () => {
    const result = map({ name: 'Zoë Ann', sex: 'F' });
    expect(result).toMatchObject({ ok: true, identity: 'zoe-ann.f@babynames.example.com' });
    if (result.ok)
      expect(result.properties).toEqual({
        email: 'zoe-ann.f@babynames.example.com',
        firstname: 'Zoë Ann',
        babyname_sex: 'F',
      });
  });

  it('sends email lowercased as HubSpot stores it, also when another property is the identity', () => {
    const byCustomId = createMapper(
      applyConfigDefaults(configSchema, {
        accessToken: 't',
        idProperty: 'external_id',
        properties: { external_id: ' X-1 ', email: ' Ada@Example.COM ' },
      }),
      new Map(),
    );
    const result = byCustomId({});
    expect(result).toMatchObject({
      ok: true,
      identity: 'X-1',
      properties: { external_id: 'X-1', email: 'ada@example.com' },
    });
  });

  it('gives the same hash for the same properties in any order, and another for a change', () => {
    expect(hashProperties({ a: '1', b: '2' })).toBe(hashProperties({ b: '2', a: '1' }));
    expect(hashProperties({ a: '1', b: '2' })).not.toBe(hashProperties({ a: '1', b: '3' }));
    expect(hashProperties({ a: '1', b: '' })).not.toBe(hashProperties({ a: '1b', b: '' }));
  });

  it('rejects an enumeration value that is not an option, naming the options', () => {
    const result = map({ name: 'Ann', sex: 'X' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/"X" is not an option .*babyname_sex.*F, M/);
  });

  it('rejects a record whose identity renders empty', () => {
    const noEmail = createMapper(
      applyConfigDefaults(configSchema, {
        accessToken: 't',
        properties: { email: '{{ missing }}', firstname: '{{ name }}' },
      }),
      new Map(),
    );
    const result = noEmail({ name: 'Ann' });
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.reason).toContain('email template rendered an empty value');
  });

  it('reports a broken template as a ConfigError', () => {
    expect(() =>
      createMapper(
        applyConfigDefaults(configSchema, { accessToken: 't', properties: { email: '{{ name | nope }}' } }),
        new Map(),
      ),
    ).toThrow(ConfigError);
  });
});

describe('rate from config', () => {
  it('uses tier presets', () => {
    expect(rateFromConfig(applyConfigDefaults(configSchema, { accessToken: 't', properties: {} }))).toMatchObject({
      max: 100,
      intervalMs: 10_000,
      daily: 250_000,
    });
    expect(
      rateFromConfig(applyConfigDefaults(configSchema, { accessToken: 't', properties: {}, tier: 'professional' })),
    ).toMatchObject({
      max: 190,
      daily: 625_000,
    });
    expect(
      rateFromConfig(applyConfigDefaults(configSchema, { accessToken: 't', properties: {}, tier: 'api-addon' })),
    ).toMatchObject({
      max: 250,
    });
  });

  it('lets explicit rate and dailyLimit win', () => {
    const spec = rateFromConfig(
      applyConfigDefaults(configSchema, {
        accessToken: 't',
        properties: {},
        tier: 'enterprise',
        rate: { max: 50, per: '5s' },
        dailyLimit: 1000,
        concurrency: 2,
      }),
    );
    expect(spec).toEqual({ max: 50, intervalMs: 5000, maxConcurrent: 2, daily: 1000 });
  });
});

import { describe, expect, test } from 'vitest';
import { ConfigError, computeTransform } from '@etl/core';
import { build, fakeContext, ref } from './transforms-helpers.js';

describe('compute', () => {
  test('adds fields from templates; later fields see earlier ones; the input is untouched', async () => {
    const fn = await build(computeTransform(), {
      fields: {
        email: '{{ name | slug }}.{{ sex | lower }}@babynames.example.com',
        label: '{{ email | upper }} ({{ year }})',
      },
    });
    const input = { name: 'José María', sex: 'M', year: 1990 };
    expect(fn(input, ref)).toEqual({
      ...input,
      email: 'jose-maria.m@babynames.example.com',
      label: 'JOSE-MARIA.M@BABYNAMES.EXAMPLE.COM (1990)',
    });
    expect(input).not.toHaveProperty('email');
  });

  test('a bad template fails when the step is built, naming the step and field', async () => {
    const ctx = fakeContext({ step: 'contacts' });
    const error = await Promise.resolve(
      build(computeTransform(), { fields: { email: '{{ name | slugify }}' } }, ctx),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('steps.contacts.config.fields.email');
    expect((error as Error).message).toContain('unknown filter "slugify"; known filters: lower, upper, trim, slug');
  });
});

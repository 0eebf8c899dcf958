import { describe, expect, test } from 'vitest';
import { builtinTransforms, selectTransform } from '@etl/core';
import { build, ref } from './transforms-helpers.js';

describe('select', () => {
  test('keeps the listed fields in order and renames', async () => {
    const fn = await build(selectTransform(), {
      fields: ['Name', 'YearOfBirth'],
      rename: { YearOfBirth: 'year', Name: 'name' },
    });
    const out = fn({ YearOfBirth: '1880', Name: 'Mary', Sex: 'F', Number: '7065' }, ref);
    expect(out).toEqual({ name: 'Mary', year: '1880' });
    expect(Object.keys(out as object)).toEqual(['name', 'year']);
  });

  test('drops fields and keeps the rest; does not change the input record', async () => {
    const fn = await build(selectTransform(), { drop: ['Number'], rename: { Sex: 'sex' } });
    const input = { Name: 'Mary', Sex: 'F', Number: '7065' };
    expect(fn(input, ref)).toEqual({ Name: 'Mary', sex: 'F' });
    expect(input).toEqual({ Name: 'Mary', Sex: 'F', Number: '7065' });
  });

  test('a listed field missing from the record stays absent', async () => {
    const fn = await build(selectTransform(), { fields: ['a', 'b'] });
    expect(fn({ a: 1 }, ref)).toEqual({ a: 1 });
  });

  test('every built-in has a schema with descriptions and is found by name', () => {
    expect(Object.keys(builtinTransforms).sort()).toEqual(['compute', 'dedupe', 'filter', 'select', 'validate']);
    for (const [name, factory] of Object.entries(builtinTransforms)) {
      const plugin = factory();
      expect(plugin.name).toBe(name);
      expect(plugin.kind).toBe('transform');
      expect(plugin.description).toBeTruthy();
      const props = (plugin.configSchema as { properties: Record<string, { description?: string }> }).properties;
      for (const [field, schema] of Object.entries(props)) expect(schema.description, `${name}.${field}`).toBeTruthy();
    }
  });
});

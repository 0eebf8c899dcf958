import { describe, expect, test } from 'vitest';
import { ConfigError, filterTransform, type FilterConfig } from '@etl/core';
import { build, fakeContext, runAll } from './transforms-helpers.js';

const rows = [
  { year: 1989, sex: 'F', name: 'Ann' },
  { year: 1990, sex: 'F', name: 'Bea' },
  { year: 1995, sex: 'M', name: 'Cal' },
  { year: 2001, sex: 'F', name: null },
];
const names = (config: FilterConfig) =>
  build(filterTransform(), config).then((fn) => runAll(fn, rows).passed.map((r) => r.name));

describe('filter', () => {
  test('all conditions (the default mode)', async () => {
    expect(
      await names({
        where: [
          { field: 'year', gte: 1990 },
          { field: 'sex', in: ['F'] },
        ],
      }),
    ).toEqual(['Bea', null]);
  });

  test('any condition', async () => {
    expect(
      await names({
        mode: 'any',
        where: [
          { field: 'year', lt: 1990 },
          { field: 'sex', eq: 'M' },
        ],
      }),
    ).toEqual(['Ann', 'Cal']);
  });

  test('numbers given as text (env interpolation) compare numerically', async () => {
    // As text "900" > "1990"; numerically it is not.
    expect(
      await names({
        where: [
          { field: 'year', gt: '900' },
          { field: 'year', lte: '1990' },
        ],
      }),
    ).toEqual(['Ann', 'Bea']);
    expect(await names({ where: [{ field: 'year', eq: '1995' }] })).toEqual(['Cal']);
    expect(await names({ where: [{ field: 'year', in: ['1989', 2001] }] })).toEqual(['Ann', null]);
  });

  test('ne, notIn, exists, matches', async () => {
    expect(await names({ where: [{ field: 'sex', ne: 'F' }] })).toEqual(['Cal']);
    expect(await names({ where: [{ field: 'name', notIn: ['Ann', 'Cal'] }] })).toEqual(['Bea', null]);
    expect(await names({ where: [{ field: 'name', exists: false }] })).toEqual([null]);
    expect(await names({ where: [{ field: 'name', exists: 'true' }] })).toEqual(['Ann', 'Bea', 'Cal']);
    expect(await names({ where: [{ field: 'name', matches: '^[AB]' }] })).toEqual(['Ann', 'Bea']);
  });

  test('filtered records are counted as filtered, not rejected', async () => {
    const fn = await build(filterTransform(), { where: [{ field: 'year', gte: 2000 }] });
    expect(runAll(fn, rows)).toMatchObject({ filtered: 3, rejected: [] });
  });

  test('several operators in one condition must all hold; a missing field fails comparisons', async () => {
    expect(await names({ where: [{ field: 'year', gte: 1990, lt: 2000 }] })).toEqual(['Bea', 'Cal']);
    expect(await names({ where: [{ field: 'missing', lt: 5 }] })).toEqual([]);
  });

  test('a bad regular expression or a condition without operator is a ConfigError', async () => {
    const ctx = fakeContext({ step: 'years' });
    await expect(build(filterTransform(), { where: [{ field: 'a', matches: '(' }] }, ctx)).rejects.toThrow(
      /Step "years": where\[0\]\.matches is not a valid regular expression/,
    );
    await expect(build(filterTransform(), { where: [{ field: 'a' }] }, ctx)).rejects.toBeInstanceOf(ConfigError);
  });
});

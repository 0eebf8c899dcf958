import { describe, expect, test } from 'vitest';
import { ConfigError, validateTransform, type ValidateConfig } from '@etl/core';
import { build, fakeContext, runAll } from './transforms-helpers.js';

const babyNames: ValidateConfig = {
  fields: {
    year: { type: 'integer', min: 1800, max: 2100 },
    name: { type: 'string', trim: true, minLength: 1, maxLength: 64 },
    sex: { type: 'string', enum: ['F', 'M'] },
    count: { type: 'integer', min: 1 },
  },
};

describe('validate', () => {
  test('coerces text to the declared types by default and keeps other fields', async () => {
    const fn = await build(validateTransform(), babyNames);
    const { passed, rejected } = runAll(fn, [{ year: '1880', name: ' Mary ', sex: 'F', count: '7065', id: 'x' }]);
    expect(rejected).toEqual([]);
    expect(passed).toEqual([{ year: 1880, name: 'Mary', sex: 'F', count: 7065, id: 'x' }]);
  });

  test.each([
    [{ year: '18x0', name: 'A', sex: 'F', count: '1' }, 'year: 18x0 is not an integer'],
    [{ year: '1880', name: 'A', sex: 'X', count: '1' }, 'sex: "X" is not one of F, M'],
    [{ year: '1700', name: 'A', sex: 'F', count: '1' }, 'year: 1700 is less than the minimum 1800'],
    [{ year: '2200', name: 'A', sex: 'F', count: '1' }, 'year: 2200 is greater than the maximum 2100'],
    [{ year: '1880', name: '   ', sex: 'F', count: '1' }, 'name: is missing'],
    [{ year: '1880', name: 'A', sex: 'F' }, 'count: is missing'],
    [{ year: '1880', name: 'A', sex: 'F', count: '1.5' }, 'count: 1.5 is not an integer'],
    [
      { year: '1880', name: 'x'.repeat(65), sex: 'F', count: '1' },
      `name: "${'x'.repeat(57)}..." is longer than 64 characters`,
    ],
    [
      { year: 'abc', name: 'A', sex: 'f', count: '0' },
      'year: abc is not an integer; sex: "f" is not one of F, M; count: 0 is less than the minimum 1',
    ],
  ])('rejects %j with a precise reason', async (record, reason) => {
    const fn = await build(validateTransform(), babyNames);
    expect(runAll(fn, [record]).rejected).toEqual([reason]);
  });

  test('without coerce, text is not a number', async () => {
    const fn = await build(validateTransform(), { fields: { n: { type: 'integer' } }, coerce: false });
    expect(runAll(fn, [{ n: '12' }, { n: 12 }])).toEqual({
      passed: [{ n: 12 }],
      filtered: 0,
      rejected: ['n: 12 is not an integer'],
    });
  });

  test('number, boolean, pattern, optional fields and additional: drop', async () => {
    const fn = await build(validateTransform(), {
      fields: {
        ratio: { type: 'number', max: 1 },
        ok: { type: 'boolean' },
        code: { type: 'string', pattern: '^[A-Z]{2}$' },
        note: { type: 'string', required: false },
      },
      additional: 'drop',
    });
    const { passed, rejected } = runAll(fn, [
      { ratio: '0.25', ok: 'true', code: 'NO', extra: 1 },
      { ratio: '1e3', ok: 'maybe', code: 'nor', note: 'n' },
    ]);
    expect(passed).toEqual([{ ratio: 0.25, ok: true, code: 'NO', note: null }]);
    expect(rejected).toEqual([
      'ratio: 1000 is greater than the maximum 1; ok: "maybe" is not a boolean; code: "nor" does not match /^[A-Z]{2}$/',
    ]);
  });

  test('a bad pattern is a ConfigError naming the step and field', async () => {
    const ctx = fakeContext({ step: 'typed' });
    await expect(build(validateTransform(), { fields: { a: { type: 'string', pattern: '([' } } }, ctx)).rejects.toThrow(
      ConfigError,
    );
    await expect(build(validateTransform(), { fields: { a: { type: 'string', pattern: '([' } } }, ctx)).rejects.toThrow(
      /Step "typed": fields\.a\.pattern is not a valid regular expression/,
    );
  });
});

import { describe, expect, test } from 'vitest';
import { ConfigError, ExitCode, rejectRecord, isRejection } from '@etl/core';

describe('core exports', () => {
  test('errors carry exit codes', () => {
    expect(new ConfigError('bad').exitCode).toBe(ExitCode.config);
    expect(isRejection(rejectRecord('x'))).toBe(true);
  });
});

describe('error identity across module copies', () => {
  test('instanceof recognises an error made by another copy of the classes', async () => {
    const { FatalError, RetriableError, EtlError } = await import('@etl/core');
    // A plain object shaped like an error from a second copy of @etl/core (as a plugin's bundled core would make).
    const foreign = Object.assign(new Error('x'), { [Symbol.for('etl.error.kinds')]: ['FatalError', 'EtlError'] });
    expect(foreign instanceof FatalError).toBe(true);
    expect(foreign instanceof EtlError).toBe(true);
    expect(foreign instanceof RetriableError).toBe(false);
    expect(new RetriableError('y') instanceof EtlError).toBe(true);
    expect(new Error('z') instanceof EtlError).toBe(false);
  });
});

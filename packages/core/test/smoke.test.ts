import { describe, expect, test } from 'vitest';
import { ConfigError, ExitCode, rejectRecord, isRejection } from '@etl/core';

describe('core exports', () => {
  test('errors carry exit codes', () => {
    expect(new ConfigError('bad').exitCode).toBe(ExitCode.config);
    expect(isRejection(rejectRecord('x'))).toBe(true);
  });
});

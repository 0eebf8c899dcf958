/** One Pipedrive stand-in per test file with limits out of the way, emptied before each test. */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startPipedriveSandbox } from '../../src/pipedrive/index.js';
import type { PipedriveSandbox } from '../../src/types.js';

export function usePipedriveSandbox(): () => PipedriveSandbox {
  let sandbox: PipedriveSandbox | undefined;
  beforeAll(async () => {
    sandbox = await startPipedriveSandbox({ burst: 100_000, searchBurst: 100_000, dailyTokens: 100_000_000 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(async () => {
    await sandbox!.reset();
  });
  return () => sandbox!;
}

/** One HubSpot stand-in per test file (fast rate), emptied before each test, with a fresh state folder per test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '@etl/sandbox';
import { closeContexts } from './context.js';

export function useSandbox(prefix: string): { sandbox(): HubspotSandbox; dir(): string } {
  let sandbox: HubspotSandbox | undefined;
  let dir = '';
  beforeAll(async () => {
    sandbox = await startHubspotSandbox({ port: 0, host: '127.0.0.1', rate: '1000/1s' });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(async () => {
    await sandbox!.reset();
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await closeContexts();
    rmSync(dir, { recursive: true, force: true });
  });
  return { sandbox: () => sandbox!, dir: () => dir };
}

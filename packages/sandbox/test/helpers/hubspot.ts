/** One fast HubSpot stand-in per test file, emptied before each test. */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startHubspotSandbox } from '../../src/hubspot/index.js';
import type { HubspotSandbox } from '../../src/types.js';

/** Starts the stand-in before the file's tests (no rate limit to speak of), resets it before each; returns a getter. */
export function useHubspotSandbox(): () => HubspotSandbox {
  let hs: HubspotSandbox | undefined;
  beforeAll(async () => {
    hs = await startHubspotSandbox({ rate: '100000/10s' });
  });
  afterAll(async () => {
    await hs?.close();
  });
  beforeEach(async () => {
    await hs!.reset();
  });
  return () => hs!;
}

import type { HubspotSandbox, HubspotSandboxOptions } from '../types.js';

export async function startHubspotSandbox(_options: HubspotSandboxOptions = {}): Promise<HubspotSandbox> {
  throw new Error('not implemented yet');
}

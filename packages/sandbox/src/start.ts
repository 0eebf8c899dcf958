import { join } from 'node:path';
import { startHubspotSandbox } from './hubspot/index.js';
import { startKaggleSandbox } from './kaggle/index.js';
import { startPipedriveSandbox } from './pipedrive/index.js';
import type { Sandbox, SandboxOptions } from './types.js';

/**
 * Starts the three stand-ins and returns the environment a user would set for the real services, pointed at them.
 * `etl run --sandbox` puts `env` into process.env before the pipeline is read, so only base URLs and credentials differ.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const started: { close(): Promise<void> }[] = [];
  // Each stand-in starts only once the one before it listens; if one fails, those already up are closed.
  const start = async <T extends { close(): Promise<void> }>(service: Promise<T>): Promise<T> => {
    try {
      const up = await service;
      started.push(up);
      return up;
    } catch (error) {
      await Promise.allSettled(started.map((s) => s.close()));
      throw error;
    }
  };
  const kaggle = await start(startKaggleSandbox({ dataset: options.dataset, port: options.kagglePort, host }));
  const hubspot = await start(
    startHubspotSandbox({
      port: options.hubspotPort,
      host,
      rate: options.rate,
      dailyLimit: options.dailyLimit,
      stateDir: options.stateDir ? join(options.stateDir, 'hubspot') : undefined,
    }),
  );
  const pipedrive = await start(
    startPipedriveSandbox({
      port: options.pipedrivePort,
      host,
      plan: options.pipedrivePlan,
      dailyTokens: options.pipedriveDailyTokens,
      stateDir: options.stateDir ? join(options.stateDir, 'pipedrive') : undefined,
    }),
  );
  const { credentials } = kaggle;
  // No API key here: with only email and password set, `mode: auto` takes the browser flow, the one the demo shows.
  const env: Record<string, string> = {
    KAGGLE_BASE_URL: kaggle.baseUrl,
    KAGGLE_EMAIL: credentials.email,
    KAGGLE_PASSWORD: credentials.password,
    HUBSPOT_BASE_URL: hubspot.baseUrl,
    HUBSPOT_ACCESS_TOKEN: hubspot.token,
    // The origin: a client adds /api/v2/... (and /api/v1/users/me), as with https://<company>.pipedrive.com.
    PIPEDRIVE_BASE_URL: pipedrive.baseUrl,
    PIPEDRIVE_API_TOKEN: pipedrive.token,
  };
  return {
    kaggle,
    hubspot,
    pipedrive,
    env,
    async close() {
      await Promise.allSettled(started.map((s) => s.close()));
    },
  };
}

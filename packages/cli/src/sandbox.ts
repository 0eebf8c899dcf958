/** Starting the sandbox in-process for `etl run --sandbox` and `etl sandbox`. */
import { startSandbox, type Sandbox, type SandboxOptions } from '@etl/sandbox';

/**
 * Starts both stand-ins on free ports and puts their environment (base URLs, credentials) into `process.env`,
 * overriding what is set, so the pipeline prepared next talks to the sandbox.
 */
export async function startSandboxForRun(stateDir: string): Promise<Sandbox> {
  const sandbox = await startSandbox({ dataset: process.env.ETL_SANDBOX_DATASET || undefined, stateDir, host: '127.0.0.1', kagglePort: 0, hubspotPort: 0 });
  Object.assign(process.env, sandbox.env);
  return sandbox;
}

export async function startStandaloneSandbox(options: SandboxOptions): Promise<Sandbox> {
  return startSandbox(options);
}

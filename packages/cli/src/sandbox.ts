/** Starting the sandbox in-process for `etl run --sandbox` and `etl sandbox`. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '@etl/sandbox';

interface Ports {
  kaggle: number;
  hubspot: number;
  pipedrive: number;
}

async function lastPorts(file: string): Promise<Ports | undefined> {
  try {
    const ports = JSON.parse(await readFile(file, 'utf8')) as Partial<Ports>;
    if (!Number.isInteger(ports.kaggle) || !Number.isInteger(ports.hubspot)) return undefined;
    // A ports.json from before the Pipedrive stand-in: keep the other two, give Pipedrive a free port.
    return {
      kaggle: ports.kaggle!,
      hubspot: ports.hubspot!,
      pipedrive: Number.isInteger(ports.pipedrive) ? ports.pipedrive! : 0,
    };
  } catch {
    return undefined;
  }
}

/**
 * Starts the stand-ins and puts their environment (base URLs, credentials) into `process.env`, overriding what is
 * set, so the pipeline prepared next talks to the sandbox. It takes the ports of the previous `--sandbox` run when they
 * are free (else free ones): the base URLs are part of the pipeline's config, and an unchanged config is what lets a
 * second run be up to date.
 */
export async function startSandboxForRun(stateDir: string): Promise<Sandbox> {
  const file = join(stateDir, 'ports.json');
  const dataset = process.env.ETL_SANDBOX_DATASET || undefined;
  const previous = await lastPorts(file);
  let sandbox: Sandbox | undefined;
  if (previous) {
    sandbox = await startSandbox({
      dataset,
      stateDir,
      host: '127.0.0.1',
      kagglePort: previous.kaggle,
      hubspotPort: previous.hubspot,
      pipedrivePort: previous.pipedrive,
    }).catch(
      () => undefined, // taken by something else meanwhile: free ports, and the next run reads again
    );
  }
  sandbox ??= await startSandbox({
    dataset,
    stateDir,
    host: '127.0.0.1',
    kagglePort: 0,
    hubspotPort: 0,
    pipedrivePort: 0,
  });
  const portOf = (baseUrl: string) => Number(new URL(baseUrl).port);
  const ports: Ports = {
    kaggle: portOf(sandbox.kaggle.baseUrl),
    hubspot: portOf(sandbox.hubspot.baseUrl),
    pipedrive: portOf(sandbox.pipedrive.baseUrl),
  };
  await mkdir(stateDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(ports)}\n`);
  Object.assign(process.env, sandbox.env);
  return sandbox;
}

export async function startStandaloneSandbox(options: SandboxOptions): Promise<Sandbox> {
  return startSandbox(options);
}

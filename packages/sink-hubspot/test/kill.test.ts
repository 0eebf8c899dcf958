/**
 * kill -9 mid-sync, then resume: the sandbox ends up holding every contact exactly once. The sync runs in a child
 * process on the built dist/ with core's runtime; the sandbox lives in this process, so it survives the kills.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '@etl/sandbox';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const N = 3000;
let sandbox: HubspotSandbox;
let stateDir: string;

beforeAll(async () => {
  // Other packages are edited while tests run; a build that fails on someone's half-saved file gets a second chance.
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync('npx', ['tsc', '-b', 'packages/sink-hubspot'], { cwd: root, stdio: 'pipe' });
      return;
    } catch (error) {
      if (attempt === 3)
        throw new Error(`building dist failed: ${String((error as { stdout?: Buffer }).stdout ?? error)}`);
      await new Promise((r) => setTimeout(r, 10_000));
    }
  }
}, 300_000);
beforeAll(async () => {
  sandbox = await startHubspotSandbox({
    port: 0,
    host: '127.0.0.1',
    rate: '1000/1s',
    faults: { latencyMs: [20, 60], seed: 5 },
  });
  stateDir = mkdtempSync(join(tmpdir(), 'etl-hubspot-kill-'));
});
afterAll(async () => {
  await sandbox?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

function child(): {
  proc: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
} {
  const proc = spawn(process.execPath, [join(here, 'fixtures/sync-child.mjs')], {
    cwd: join(root, 'packages/sink-hubspot'),
    env: {
      ...process.env,
      HUBSPOT_BASE_URL: sandbox.baseUrl,
      HUBSPOT_ACCESS_TOKEN: sandbox.token,
      STATE_DIR: stateDir,
      N: String(N),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (chunk) => (stdout += chunk));
  proc.stderr!.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolveDone) => proc.on('exit', (code, signal) => resolveDone({ code, signal, stdout, stderr })),
  );
  return { proc, done };
}

/** Starts a child and SIGKILLs it once the sandbox holds at least `atLeast` contacts. */
async function killWhen(atLeast: number): Promise<number> {
  const { proc, done } = child();
  let exited = false;
  void done.then(() => (exited = true));
  while (!exited && sandbox.contacts().length < atLeast) await new Promise((r) => setTimeout(r, 10));
  proc.kill('SIGKILL');
  const result = await done;
  expect(result.signal, `child finished before the kill: ${result.stdout}${result.stderr}`).toBe('SIGKILL');
  return sandbox.contacts().length;
}

describe('kill -9 mid-sync, then resume', () => {
  it('ends with every contact present exactly once', async () => {
    const atFirstKill = await killWhen(700);
    expect(atFirstKill).toBeLessThan(N);
    const atSecondKill = await killWhen(1900);
    expect(atSecondKill).toBeLessThan(N);

    const { done } = child();
    const result = await done;
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').pop()!);
    expect(summary.resumed).toBe(true);

    const emails = sandbox.contacts().map((c) => c.properties.email);
    expect(emails).toHaveLength(N);
    expect(new Set(emails).size).toBe(N);
    for (const i of [0, 1, 1499, N - 1])
      expect(emails).toContain(`name${i}.${i % 2 ? 'm' : 'f'}@babynames.example.com`);
  });
});

import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildCli, etl, makeProject, readLines, removeProjects, startEtl } from './helpers.js';

beforeAll(buildCli, 600_000);
afterAll(removeProjects);

test("run --sandbox puts the stand-ins' environment in place before the pipeline is prepared", async () => {
  const project = makeProject();
  const r = await etl(['run', 'sandbox-env', '--sandbox', '--json'], {
    cwd: project,
    env: { HUBSPOT_BASE_URL: 'https://example.invalid' },
  });
  expect(r.code).toBe(0);
  const lines = readLines(join(project, 'stamped.jsonl'));
  const hubs = lines.map((x) => x.hub);
  expect(hubs).toHaveLength(2);
  expect(hubs[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(lines[0].pd).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(lines[0].pd).not.toBe(hubs[0]);
}, 300_000);

test('etl sandbox --json prints one line with URLs that answer, and stops on SIGTERM', async () => {
  const project = makeProject();
  // As after "put the printed variables in .env": the stand-in's own token is printed all the same, not masked.
  const sandbox = startEtl(['sandbox', '--json', '--state-dir', join(project, 'sb')], {
    cwd: project,
    env: { HUBSPOT_ACCESS_TOKEN: 'pat-sandbox-0000' },
  });
  const deadline = Date.now() + 120_000;
  while (!sandbox.output().stdout.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const info = JSON.parse(sandbox.output().stdout.split('\n')[0]);
  expect(info.hubspot.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(info.env.HUBSPOT_BASE_URL).toBe(info.hubspot.baseUrl);
  expect(info.hubspot.token).toBe('pat-sandbox-0000');
  const stats = await fetch(`${info.hubspot.baseUrl}/__sandbox/stats`);
  expect(stats.ok).toBe(true);
  // The portal the stand-in's account-info names (a sink's destination id), printed for the person too.
  expect((await stats.json()).portalId).toBe(info.hubspot.portalId);
  // The Pipedrive stand-in: its URL and token in the environment, and the company users/me names printed too.
  expect(info.env.PIPEDRIVE_BASE_URL).toBe(info.pipedrive.baseUrl);
  expect(info.env.PIPEDRIVE_API_TOKEN).toBe(info.pipedrive.apiToken);
  const me = await fetch(`${info.pipedrive.baseUrl}/api/v1/users/me`, {
    headers: { 'x-api-token': info.pipedrive.apiToken },
  });
  expect((await me.json()).data.company_id).toBe(info.pipedrive.companyId);
  sandbox.child.kill('SIGTERM');
  const done = await sandbox.done;
  expect(done.code).toBe(0);
}, 300_000);

/**
 * Two project folders (as on two hosts) share one state store (ETL_STATE_URL, a MariaDB database of this file's own):
 * the second `etl run` finds the first's ledger and checkpoint, so HubSpot gets nothing again (all unchanged), and
 * `etl runs` in either folder lists both runs with their host. Real CLI processes, the HubSpot stand-in over HTTP.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startHubspotSandbox, type HubspotSandbox } from '@etl/sandbox';
import type { RunSummary } from '@etl/core';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildCli, etl, makeProject, removeProjects } from '../../packages/cli/test/helpers.js';

const server = 'mysql://root@127.0.0.1:3306';
const database = `etl_state_test_${randomBytes(4).toString('hex')}`;
let hubspot: HubspotSandbox;

const PIPELINE = `version: 1
steps:
  source:
    use: ../plugins/counter-source.js
    config: { count: 12, batchSize: 5 }
  distinct:
    use: dedupe
    inputs: [source]
    config: { key: [id] }
  contacts:
    use: hubspot
    inputs: [distinct]
    config:
      baseUrl: \${env:HUBSPOT_BASE_URL}
      accessToken: \${env:HUBSPOT_ACCESS_TOKEN}
      idProperty: email
      properties:
        email: "c{{ id }}@example.com"
        firstname: "{{ name }}"
`;

beforeAll(async () => {
  await buildCli();
  hubspot = await startHubspotSandbox();
}, 600_000);
afterAll(async () => {
  await hubspot?.close();
  const connection = await mysql.createConnection(server);
  await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await connection.end();
  removeProjects();
});

const env = () => ({
  ETL_STATE_URL: `${server}/${database}`,
  HUBSPOT_BASE_URL: hubspot.baseUrl,
  HUBSPOT_ACCESS_TOKEN: hubspot.token,
});

function folder(): string {
  const project = makeProject();
  writeFileSync(join(project, 'pipelines/contacts.yaml'), PIPELINE);
  return project;
}

async function run(project: string): Promise<RunSummary> {
  const r = await etl(['run', 'contacts', '--json'], { cwd: project, env: env() });
  expect(r.stderr).not.toContain('STATE_NOT_PREFETCHED');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as RunSummary;
}

const sink = (summary: RunSummary) => summary.steps.find((s) => s.step === 'contacts')!;

test('a second folder on the same ETL_STATE_URL continues from the first one’s ledger; etl runs lists both', async () => {
  const first = folder();
  const second = folder();

  const a = await run(first);
  expect(sink(a).written).toBe(12);
  const requestsAfterFirst = hubspot.stats().requests;

  const b = await run(second);
  expect(sink(b).written).toBe(0);
  expect(sink(b).unchanged).toBe(12);
  // Only the destination lookup (account-info) and the property check: no contact was sent again.
  expect(hubspot.contacts()).toHaveLength(12);
  expect(hubspot.stats().requests - requestsAfterFirst).toBeLessThan(5);

  for (const project of [first, second]) {
    const r = await etl(['runs', '--json'], { cwd: project, env: env() });
    expect(r.code).toBe(0);
    const runs = JSON.parse(r.stdout) as Array<{ runId: string; host?: string; status: string }>;
    expect(runs.map((x) => x.runId).sort()).toEqual([a.runId, b.runId].sort());
    expect(runs.every((x) => x.status === 'succeeded' && typeof x.host === 'string' && x.host !== '')).toBe(true);
  }
  const table = await etl(['runs'], { cwd: second, env: env() });
  expect(table.stdout).toMatch(/^id +when +host +pipeline +profile +status/m);
  expect(table.stdout).toMatch(new RegExp(`^${a.runId} +\\S+ \\S+ +${hostname()} +contacts +succeeded`, 'm'));
  // The first folder's run, shown from the second folder: its summary comes from the shared history.
  const shown = await etl(['runs', 'show', a.runId, '--json'], { cwd: second, env: env() });
  expect(shown.code).toBe(0);
  expect(JSON.parse(shown.stdout).summary.runId).toBe(a.runId);
  // Without the shared store, a folder lists only its own run (the embedded default is unchanged).
  const local = await etl(['runs', '--json'], { cwd: second });
  expect((JSON.parse(local.stdout) as Array<{ runId: string }>).map((x) => x.runId)).toEqual([b.runId]);
}, 300_000);

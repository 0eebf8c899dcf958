/**
 * Hostile data: names written to break SQL, HTML, templates and bidi rendering go through the whole babynames
 * pipeline and come out literally, in MySQL (byte for byte) and as HubSpot contacts' `firstname`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HEADER } from '../helpers/reliability-data.js';
import {
  buildWorkspace,
  parseJson,
  readJsonLines,
  removeTemps,
  tempDir,
  withConnection,
} from '../helpers/reliability-env.js';
import { startStack, type Stack } from '../helpers/reliability-stack.js';
import { hostileNames } from './fixtures/malformed-csv.js';

let stack: Stack;
beforeAll(async () => {
  await buildWorkspace();
  stack = await startStack({ label: 'hostile' });
}, 600_000);
afterAll(async () => {
  await stack?.close();
  removeTemps();
});

test('SQL, HTML, template, emoji and right-to-left names are stored and sent literally', async () => {
  const csv = join(tempDir(), 'hostile.csv');
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = hostileNames.flatMap((name, i) => [
    `${2000 + i},${quote(name)},F,${10 + i}`,
    `${2000 + i},${quote(name)},M,${20 + i}`,
  ]);
  writeFileSync(csv, `${[HEADER, ...lines, '2010,Plain,F,5'].join('\n')}\n`);
  const result = await stack.run(['--set', 'steps.kaggle.config.mode=file', '--set', `steps.kaggle.config.path=${csv}`])
    .done;
  const summary = parseJson(result);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  const rejects = readJsonLines(summary.rejectsFile);

  const stored = await withConnection(stack.db.url, async (c) => {
    const [tables] = await c.query<any[]>('SHOW TABLES');
    const [rows] = await c.query<any[]>('SELECT name, sex, year_of_birth AS year FROM baby_names');
    return { tables: tables.map((t) => String(Object.values(t)[0])), rows };
  });
  // The injection attempts did nothing: both tables are still there, every row is.
  expect(stored.tables).toEqual(expect.arrayContaining(['baby_names', 'etl_checkpoints']));
  expect(stored.rows.length).toBe(lines.length + 1);
  const storedNames = new Set(stored.rows.map((r: any) => String(r.name)));
  for (const name of hostileNames) expect(storedNames, `MySQL holds ${JSON.stringify(name)}`).toContain(name);

  // HubSpot: every name is a contact whose firstname is the exact text; names with no ASCII form (Arabic script)
  // get a hashed slug, so they still have a valid, distinct email.
  const contacts = stack.hubspot.contacts().filter((c) => !c.archived);
  const firstnames = new Set(contacts.map((c) => c.properties.firstname));
  for (const name of hostileNames) expect(firstnames, `HubSpot firstname ${JSON.stringify(name)}`).toContain(name);
  expect(rejects).toEqual([]);
  const hub = summary.steps.find((s: any) => s.step === 'hubspot');
  expect(hub.written + hub.rejected + hub.unchanged).toBe(hub.read);
  console.log(
    `[reliability] hostile: ${hostileNames.length} names, ${stored.rows.length} rows stored, ${contacts.length} contacts, ${rejects.length} rejects ${JSON.stringify(rejects.map((r) => [r.location, r.reason]))}`,
  );
}, 300_000);

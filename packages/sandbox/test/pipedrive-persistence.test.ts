import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PIPEDRIVE_STATE_FILE, startPipedriveSandbox } from '../src/pipedrive/index.js';
import type { PipedriveSandbox } from '../src/types.js';
import { pd } from './openapi/pipedrive-http.js';

let dir = '';
const open: PipedriveSandbox[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pd-sandbox-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

async function start(stateDir: string, dailyTokens = 1000): Promise<PipedriveSandbox> {
  const s = await startPipedriveSandbox({ stateDir, dailyTokens, burst: 1000 });
  open.push(s);
  return s;
}

describe('state folder', () => {
  it("keeps the company, persons, fields, the day's spent tokens and a moved clock across a restart", async () => {
    const first = await start(dir);
    first.setClock(Date.parse('2026-05-10T22:00:00Z'));
    const field = (
      await pd(first, 'POST', '/api/v2/personFields', {
        field_name: 'Decade',
        field_type: 'enum',
        options: [{ label: '1880s' }],
      })
    ).body.data;
    const person = (
      await pd(first, 'POST', '/api/v2/persons', {
        name: 'Mary Smith',
        emails: [{ value: 'mary@example.com' }],
        custom_fields: { [field.field_code]: field.options[0].id },
      })
    ).body.data;
    await pd(
      first,
      'DELETE',
      `/api/v2/persons/${(await pd(first, 'POST', '/api/v2/persons', { name: 'Gone' })).body.data.id}`,
    );
    const spent = first.stats().tokensSpent;
    expect(spent).toBe(5 + 5 + 5 + 3);
    await first.close();
    open.splice(open.indexOf(first), 1);

    const second = await start(dir);
    expect(second.companyId).toBe(first.companyId);
    expect((await pd(second, 'GET', '/api/v1/users/me')).body.data.company_id).toBe(first.companyId);
    expect(second.stats()).toMatchObject({ day: '2026-05-10', tokensSpent: spent + 2 });
    expect((await pd(second, 'GET', `/api/v2/persons/${person.id}`)).body.data).toEqual(person);
    const found = await pd(second, 'GET', '/api/v2/persons/search?term=mary@example.com&fields=email&exact_match=true');
    expect(found.body.data.items.map((i: { item: { id: number } }) => i.item.id)).toEqual([person.id]);
    expect(second.persons().map((p) => [p.name, p.isDeleted])).toEqual([
      ['Mary Smith', false],
      ['Gone', true],
    ]);
    // Ids and option ids go on from where they were, never reusing one.
    expect((await pd(second, 'POST', '/api/v2/persons', { name: 'New' })).body.data.id).toBe(3);
    const more = await pd(second, 'POST', `/api/v2/personFields/${field.field_code}/options`, [{ label: '1890s' }]);
    expect(more.body.data[0].id).toBeGreaterThan(field.options[0].id);
  });

  it('starts the budget over when the restarted stand-in is on a later day', async () => {
    const first = await start(dir, 20);
    await pd(first, 'GET', '/api/v2/persons');
    await pd(first, 'GET', '/api/v2/persons');
    expect((await pd(first, 'GET', '/api/v2/persons')).status).toBe(429);
    first.advanceDay();
    await first.close();
    open.splice(open.indexOf(first), 1);
    const second = await start(dir, 20);
    expect((await pd(second, 'GET', '/api/v2/persons')).status).toBe(200);
  });

  it('is one company per folder, and says how to recover from a corrupt file', async () => {
    const a = await start(join(dir, 'a'));
    const b = await start(join(dir, 'b'));
    expect(a.companyId).not.toBe(b.companyId);
    await mkdir(join(dir, 'c'));
    await writeFile(join(dir, 'c', PIPEDRIVE_STATE_FILE), '{"version":');
    await expect(startPipedriveSandbox({ stateDir: join(dir, 'c') })).rejects.toThrow(/Delete it to start empty/);
  });
});

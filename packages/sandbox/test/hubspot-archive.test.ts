/**
 * Deleting contacts as a person in HubSpot does (archiving): `DELETE /crm/v3/objects/contacts/{id}` and
 * `POST .../batch/archive`, both 204; archived contacts leave reads, search and batch/read, and survive a restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHubspotSandbox } from '../src/hubspot/index.js';
import type { HubspotSandbox } from '../src/types.js';
import { useHubspotSandbox } from './helpers/hubspot.js';
import { assertSchema, call } from './openapi/hubspot-http.js';

const BASE = '/crm/v3/objects/contacts';
const sandbox = useHubspotSandbox();

/** Creates `n` contacts a0@x.example … and returns their ids in order. */
async function seed(n: number, target: HubspotSandbox = sandbox()): Promise<string[]> {
  const res = await call(target, 'POST', `${BASE}/batch/create`, {
    inputs: Array.from({ length: n }, (_, i) => ({ properties: { email: `a${i}@x.example`, firstname: `A${i}` } })),
  });
  expect(res.status).toBe(201);
  return res.body.results.map((r: { id: string }) => r.id);
}

const searchEmail = (email: string) =>
  call(sandbox(), 'POST', `${BASE}/search`, {
    filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: email }] }],
  });

describe('DELETE /crm/v3/objects/contacts/{contactId}', () => {
  it('answers 204 with no body; the contact is gone from GET, the list, search and batch/read', async () => {
    const [keep, gone] = await seed(2);
    const res = await call(sandbox(), 'DELETE', `${BASE}/${gone}`);
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();

    const single = await call(sandbox(), 'GET', `${BASE}/${gone}`);
    expect(single.status).toBe(404);
    assertSchema(single.body, 'Error');
    expect(single.body.category).toBe('OBJECT_NOT_FOUND');
    expect((await call(sandbox(), 'GET', `${BASE}/a1@x.example?idProperty=email`)).status).toBe(404);

    const list = await call(sandbox(), 'GET', `${BASE}?limit=100`);
    expect(list.body.results.map((r: { id: string }) => r.id)).toEqual([keep]);
    const archived = await call(sandbox(), 'GET', `${BASE}?limit=100&archived=true`);
    expect(archived.body.results).toHaveLength(1);
    expect(archived.body.results[0]).toMatchObject({ id: gone, archived: true });
    expect(typeof archived.body.results[0].archivedAt).toBe('string');
    expect((await call(sandbox(), 'GET', `${BASE}/${gone}?archived=true`)).status).toBe(200);

    const search = await searchEmail('a1@x.example');
    expect(search.body).toMatchObject({ total: 0, results: [] });
    expect((await searchEmail('a0@x.example')).body.total).toBe(1);

    // batch/read answers what it found and names the rest: 207 OBJECT_NOT_FOUND, as for ids that never existed.
    const read = await call(sandbox(), 'POST', `${BASE}/batch/read`, {
      idProperty: 'email',
      properties: ['email', 'firstname'],
      propertiesWithHistory: [],
      inputs: [{ id: 'a0@x.example' }, { id: 'a1@x.example' }],
    });
    expect(read.status).toBe(207);
    assertSchema(read.body, 'BatchResponseSimplePublicObjectWithErrors');
    expect(read.body.results.map((r: { id: string }) => r.id)).toEqual([keep]);
    expect(read.body.errors).toEqual([
      expect.objectContaining({ category: 'OBJECT_NOT_FOUND', context: { ids: ['a1@x.example'] } }),
    ]);
    const byId = await call(sandbox(), 'POST', `${BASE}/batch/read`, {
      properties: ['email'],
      propertiesWithHistory: [],
      inputs: [{ id: gone }],
    });
    expect(byId.status).toBe(207);
    expect(byId.body).toMatchObject({ results: [], numErrors: 1, errors: [{ context: { ids: [gone] } }] });
  });

  it('answers 204 again for a contact already archived or never created', async () => {
    const [id] = await seed(1);
    expect((await call(sandbox(), 'DELETE', `${BASE}/${id}`)).status).toBe(204);
    expect((await call(sandbox(), 'DELETE', `${BASE}/${id}`)).status).toBe(204);
    expect((await call(sandbox(), 'DELETE', `${BASE}/987654`)).status).toBe(204);
  });

  it('needs the token like every API route', async () => {
    const [id] = await seed(1);
    expect((await call(sandbox(), 'DELETE', `${BASE}/${id}`, undefined, { token: null })).status).toBe(401);
    expect(sandbox().contacts()[0].archived).toBe(false);
  });

  it('frees the email: an upsert after the deletion creates a new contact with a new id', async () => {
    const [old] = await seed(1);
    await call(sandbox(), 'DELETE', `${BASE}/${old}`);
    const res = await call(sandbox(), 'POST', `${BASE}/batch/upsert`, {
      inputs: [{ id: 'a0@x.example', idProperty: 'email', properties: { firstname: 'Again' } }],
    });
    expect(res.status).toBe(200);
    expect(res.body.results[0].new).toBe(true);
    expect(res.body.results[0].id).not.toBe(old);
  });
});

describe('POST /crm/v3/objects/contacts/batch/archive', () => {
  it('archives every input by record id with 204; the others stay', async () => {
    const ids = await seed(50);
    const doomed = ids.slice(0, 10);
    const res = await call(sandbox(), 'POST', `${BASE}/batch/archive`, { inputs: doomed.map((id) => ({ id })) });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    const active = sandbox()
      .contacts()
      .filter((c) => !c.archived)
      .map((c) => c.id);
    expect(active).toEqual(ids.slice(10));
    const read = await call(sandbox(), 'POST', `${BASE}/batch/read`, {
      properties: ['email'],
      propertiesWithHistory: [],
      inputs: ids.map((id) => ({ id })),
    });
    expect(read.status).toBe(207);
    expect(read.body.results).toHaveLength(40);
    expect(read.body.errors[0].context.ids).toEqual(doomed);
  });

  it('refuses more than 100 inputs and a body without inputs with 400, archiving nothing', async () => {
    const [id] = await seed(1);
    const tooMany = await call(sandbox(), 'POST', `${BASE}/batch/archive`, {
      inputs: Array.from({ length: 101 }, () => ({ id })),
    });
    expect(tooMany.status).toBe(400);
    assertSchema(tooMany.body, 'Error');
    expect(tooMany.body.message).toMatch(/maximum number of inputs supported in a batch is 100/);
    expect((await call(sandbox(), 'POST', `${BASE}/batch/archive`, { ids: [id] })).status).toBe(400);
    expect(sandbox().contacts()[0].archived).toBe(false);
  });

  it('keeps archived contacts archived across a restart of a persisted stand-in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'etl-hubspot-archive-'));
    try {
      const first = await startHubspotSandbox({ stateDir: dir });
      const ids = await seed(3, first);
      await call(first, 'POST', `${BASE}/batch/archive`, { inputs: [{ id: ids[1] }] });
      await first.close();
      const second = await startHubspotSandbox({ stateDir: dir });
      try {
        expect(second.contacts().map((c) => [c.id, c.archived])).toEqual([
          [ids[0], false],
          [ids[1], true],
          [ids[2], false],
        ]);
        expect((await call(second, 'GET', `${BASE}/${ids[1]}`)).status).toBe(404);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import { describe, expect, it } from 'vitest';
import { usePipedriveSandbox } from './helpers/pipedrive.js';
import { pd } from './openapi/pipedrive-http.js';
import { assertResponse } from './openapi/pipedrive-spec.js';

const sandbox = usePipedriveSandbox();
const ada = {
  name: 'Ada Lovelace',
  emails: [{ value: 'ada@example.com', primary: true, label: 'work' }],
  phones: [{ value: '+44 20 1234', label: 'home' }],
};

async function addMany(count: number, prefix = 'p'): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < count; start += 50) {
    const batch = Array.from({ length: Math.min(50, count - start) }, (_, i) => start + i);
    // In order within a batch would need sequential requests; ids only need to be collected.
    const answers = await Promise.all(
      batch.map((i) =>
        pd(sandbox(), 'POST', '/api/v2/persons', {
          name: `${prefix}${i}`,
          emails: [{ value: `${prefix}${i}@example.com` }],
        }),
      ),
    );
    for (const a of answers) ids.push(a.body.data.id);
  }
  return ids.sort((a, b) => a - b);
}

describe('add, get, update, delete', () => {
  it("answers each in the spec's shape, splits the name and makes the only email primary", async () => {
    const created = await pd(sandbox(), 'POST', '/api/v2/persons', ada);
    expect(created.status).toBe(200);
    assertResponse(created.body, 'POST', '/persons');
    expect(created.body.data).toMatchObject({
      name: 'Ada Lovelace',
      first_name: 'Ada',
      last_name: 'Lovelace',
      is_deleted: false,
      org_id: null,
      custom_fields: {},
      emails: [{ value: 'ada@example.com', primary: true, label: 'work' }],
      phones: [{ value: '+44 20 1234', primary: true, label: 'home' }],
    });
    expect(created.body.data.add_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const id = created.body.data.id;

    const got = await pd(sandbox(), 'GET', `/api/v2/persons/${id}`);
    assertResponse(got.body, 'GET', '/persons/{id}');
    expect(got.body.data).toEqual(created.body.data);

    const patched = await pd(sandbox(), 'PATCH', `/api/v2/persons/${id}`, {
      name: 'Ada King',
      emails: [{ value: 'ada@king.example', primary: true }],
    });
    expect(patched.status).toBe(200);
    assertResponse(patched.body, 'PATCH', '/persons/{id}');
    expect(patched.body.data).toMatchObject({
      id,
      first_name: 'Ada',
      last_name: 'King',
      emails: [{ value: 'ada@king.example', primary: true, label: 'work' }],
    });
    expect(patched.body.data.phones).toEqual(created.body.data.phones);

    const deleted = await pd(sandbox(), 'DELETE', `/api/v2/persons/${id}`);
    assertResponse(deleted.body, 'DELETE', '/persons/{id}');
    expect(deleted.body).toEqual({ success: true, data: { id } });
    expect((await pd(sandbox(), 'GET', `/api/v2/persons/${id}`)).status).toBe(404);
    expect((await pd(sandbox(), 'DELETE', `/api/v2/persons/${id}`)).status).toBe(404);
    expect(sandbox().persons()).toMatchObject([{ id, name: 'Ada King', isDeleted: true }]);
  });

  it("answers 404 in Pipedrive's error shape for an unknown person, 400 for an id that is not a number", async () => {
    const missing = await pd(sandbox(), 'GET', '/api/v2/persons/999');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      success: false,
      error: 'Person not found',
      errorCode: 404,
      error_info: expect.any(String),
      data: null,
      additional_data: null,
    });
    expect((await pd(sandbox(), 'PATCH', '/api/v2/persons/abc', { name: 'x' })).status).toBe(400);
  });
});

describe('request validation', () => {
  it.each([
    [{}, 'name: is required'],
    [{ name: 5 }, 'name: must be a non-empty string'],
    [{ name: 'A', emails: ['a@example.com'] }, 'emails[0]: must be an object'],
    [
      {
        name: 'A',
        emails: [
          { value: 'a@example.com', primary: true },
          { value: 'b@example.com', primary: true },
        ],
      },
      'emails: only one item may be primary',
    ],
    [{ name: 'A', emails: [{ value: 7 }] }, 'emails[0].value: must be a non-empty string'],
    [{ name: 'A', owner_id: '12' }, 'owner_id: must be a positive integer'],
    [{ name: 'A', visible_to: 2 }, 'visible_to: must be one of 1, 3, 5, 7'],
    [{ name: 'A', email: 'a@example.com' }, 'email: is not a person field'],
    [{ name: 'A', custom_fields: { abc: 'x' } }, 'custom_fields.abc: is not a custom person field'],
    [{ name: 'A', marketing_status: 'maybe' }, 'marketing_status: must be one of'],
  ])('refuses %j with 400 naming the problem', async (body, message) => {
    const res = await pd(sandbox(), 'POST', '/api/v2/persons', body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, errorCode: 400, data: null });
    expect(res.body.error).toContain(message);
    expect(sandbox().persons()).toHaveLength(0);
  });

  it('lists every problem of a body at once', async () => {
    const res = await pd(sandbox(), 'POST', '/api/v2/persons', { emails: 'x', visible_to: 9 });
    expect(res.body.error).toMatch(/^Validation failed: .*name: is required.*emails: must be an array.*visible_to/);
  });

  it('refuses limit over 500, a cursor it did not issue, and invalid JSON', async () => {
    expect((await pd(sandbox(), 'GET', '/api/v2/persons?limit=501')).body.error).toContain(
      'limit: must be an integer from 1 to 500',
    );
    expect((await pd(sandbox(), 'GET', '/api/v2/persons?limit=0')).status).toBe(400);
    expect((await pd(sandbox(), 'GET', '/api/v2/persons?cursor=bm9wZQ')).status).toBe(400);
    const bad = await pd(sandbox(), 'POST', '/api/v2/persons', '{"name":');
    expect(bad.status).toBe(400);
    expect(bad.body.success).toBe(false);
  });
});

describe('cursor pages', () => {
  it('walks 1,200 persons in pages of 500 with each exactly once, stable while persons are added and deleted', async () => {
    const ids = await addMany(1200);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await pd(sandbox(), 'GET', `/api/v2/persons?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      if (pages === 0) assertResponse(res.body, 'GET', '/persons');
      seen.push(...res.body.data.map((p: { id: number }) => p.id));
      cursor = res.body.additional_data.next_cursor;
      if (pages === 0) {
        // After the first page: a new person (id beyond all) and a deleted one not yet seen.
        await pd(sandbox(), 'POST', '/api/v2/persons', { name: 'late' });
        await pd(sandbox(), 'DELETE', `/api/v2/persons/${ids[700]}`);
      }
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    const expected = [...ids.filter((id) => id !== ids[700]), ids[ids.length - 1] + 1];
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("gives the first item of the next page in a cursor like the spec's, and null at the end", async () => {
    await addMany(3);
    const first = await pd(sandbox(), 'GET', '/api/v2/persons?limit=2');
    const cursor = JSON.parse(Buffer.from(first.body.additional_data.next_cursor, 'base64url').toString());
    expect(cursor).toEqual({ field: 'id', fieldValue: 3, sortDirection: 'asc', id: 3 });
    const last = await pd(sandbox(), 'GET', `/api/v2/persons?limit=2&cursor=${first.body.additional_data.next_cursor}`);
    expect(last.body.data.map((p: { id: number }) => p.id)).toEqual([3]);
    expect(last.body.additional_data.next_cursor).toBeNull();
    expect((await pd(sandbox(), 'GET', '/api/v2/persons')).body.data).toHaveLength(3);
  });

  it('sorts by id descending and pages on, and filters by ids', async () => {
    await addMany(5);
    const a = await pd(sandbox(), 'GET', '/api/v2/persons?sort_by=id&sort_direction=desc&limit=3');
    const b = await pd(
      sandbox(),
      'GET',
      `/api/v2/persons?sort_by=id&sort_direction=desc&limit=3&cursor=${a.body.additional_data.next_cursor}`,
    );
    expect([...a.body.data, ...b.body.data].map((p: { id: number }) => p.id)).toEqual([5, 4, 3, 2, 1]);
    // A cursor from another sort order is refused rather than misread.
    expect((await pd(sandbox(), 'GET', `/api/v2/persons?cursor=${a.body.additional_data.next_cursor}`)).status).toBe(
      400,
    );
    expect((await pd(sandbox(), 'GET', '/api/v2/persons?ids=2,4')).body.data.map((p: { id: number }) => p.id)).toEqual([
      2, 4,
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { useHubspotSandbox } from './helpers/hubspot.js';
import { assertSchema, call } from './openapi/hubspot-http.js';

const BASE = '/crm/v3/objects/contacts';
const sandbox = useHubspotSandbox();

function innerErrors(message: string): Array<{ error: string; name: string; message: string }> {
  const prefix = 'Property values were not valid: ';
  expect(message.startsWith(prefix)).toBe(true);
  return JSON.parse(message.slice(prefix.length));
}

describe('single contact create', () => {
  it('answers 201 with a SimplePublicObject whose values are strings and email is lowercased', async () => {
    const res = await call(sandbox(), 'POST', BASE, {
      properties: { email: 'Ada@Example.COM', firstname: 'Ada', lastname: 'Lovelace' },
    });
    expect(res.status).toBe(201);
    assertSchema(res.body, 'SimplePublicObject');
    expect(res.body.properties).toMatchObject({
      email: 'ada@example.com',
      firstname: 'Ada',
      hs_object_id: res.body.id,
    });
    expect(Object.values(res.body.properties).every((v) => typeof v === 'string')).toBe(true);
    expect(res.body.archived).toBe(false);
    expect(
      sandbox()
        .contacts()
        .map((c) => c.properties.email),
    ).toEqual(['ada@example.com']);
  });

  it('stores numbers sent as JSON numbers as strings, and accepts a body without associations', async () => {
    const res = await call(sandbox(), 'POST', BASE, { properties: { firstname: 'Bo', annualrevenue: 1000 } });
    expect(res.status).toBe(201);
    expect(res.body.properties.annualrevenue).toBe('1000');
  });

  it('answers 409 CONFLICT "Contact already exists. Existing ID: N" for a duplicate email in any case', async () => {
    const first = await call(sandbox(), 'POST', BASE, { properties: { email: 'dup@example.com' } });
    const second = await call(sandbox(), 'POST', BASE, { properties: { email: 'DUP@example.com' } });
    expect(second.status).toBe(409);
    assertSchema(second.body, 'Error');
    expect(second.body).toMatchObject({
      status: 'error',
      category: 'CONFLICT',
      message: `Contact already exists. Existing ID: ${first.body.id}`,
    });
    expect(/Existing ID: (\d+)/.exec(second.body.message)?.[1]).toBe(first.body.id);
    expect(sandbox().contacts()).toHaveLength(1);
  });

  it('reports every bad value in one 400 VALIDATION_ERROR (INVALID_EMAIL, PROPERTY_DOESNT_EXIST, INVALID_OPTION, READ_ONLY_VALUE)', async () => {
    const res = await call(sandbox(), 'POST', BASE, {
      properties: { email: 'example.lcom', missing: 'x', lifecyclestage: 'Lead', hs_object_id: '5' },
    });
    expect(res.status).toBe(400);
    assertSchema(res.body, 'Error');
    expect(res.body.category).toBe('VALIDATION_ERROR');
    const inner = innerErrors(res.body.message);
    expect(inner.map((e) => [e.name, e.error])).toEqual([
      ['email', 'INVALID_EMAIL'],
      ['missing', 'PROPERTY_DOESNT_EXIST'],
      ['lifecyclestage', 'INVALID_OPTION'],
      ['hs_object_id', 'READ_ONLY_VALUE'],
    ]);
    expect(inner[0].message).toBe('Email address example.lcom is invalid');
    expect(inner[1].message).toBe('Property "missing" does not exist');
    expect(sandbox().contacts()).toHaveLength(0);
  });

  it.each([
    '.f@babynames.example.com',
    'a..b@example.com',
    'a.@example.com',
    'a@example',
    'a b@example.com',
    'a@-x.com',
  ])('refuses the malformed email %s with INVALID_EMAIL', async (email) => {
    const res = await call(sandbox(), 'POST', BASE, { properties: { email } });
    expect(res.status).toBe(400);
    expect(innerErrors(res.body.message)[0]?.error).toBe('INVALID_EMAIL');
  });

  it.each(['mary.f@babynames.example.com', "o'brien+x@mail.example.co.uk"])('accepts the email %s', async (email) => {
    const res = await call(sandbox(), 'POST', BASE, { properties: { email } });
    expect(res.status).toBe(201);
  });

  it('accepts an enumeration option by its internal value', async () => {
    const res = await call(sandbox(), 'POST', BASE, { properties: { firstname: 'E', lifecyclestage: 'lead' } });
    expect(res.status).toBe(201);
    expect(res.body.properties.lifecyclestage).toBe('lead');
  });

  it('answers 400 VALIDATION_ERROR for malformed JSON and a non-object properties', async () => {
    const bad = await call(sandbox(), 'POST', BASE, '{"properties": {');
    expect(bad.status).toBe(400);
    expect(bad.body.category).toBe('VALIDATION_ERROR');
    expect(bad.body.message).toMatch(/Invalid input JSON/);
    const wrong = await call(sandbox(), 'POST', BASE, { properties: ['email'] });
    expect(wrong.status).toBe(400);
    assertSchema(wrong.body, 'Error');
  });
});

describe('read, update, archive one contact', () => {
  it('reads by id and by ?idProperty=email, default properties with null for empty ones', async () => {
    const created = await call(sandbox(), 'POST', BASE, { properties: { email: 'read@example.com', firstname: 'R' } });
    const byId = await call(sandbox(), 'GET', `${BASE}/${created.body.id}`);
    expect(byId.status).toBe(200);
    assertSchema(byId.body, 'SimplePublicObjectWithAssociations');
    expect(Object.keys(byId.body.properties).sort()).toEqual([
      'createdate',
      'email',
      'firstname',
      'hs_object_id',
      'lastmodifieddate',
      'lastname',
    ]);
    expect(byId.body.properties.lastname).toBeNull();
    const byEmail = await call(
      sandbox(),
      'GET',
      `${BASE}/READ@example.com?idProperty=email&properties=firstname,phone,nosuchprop`,
    );
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.id).toBe(created.body.id);
    // Unknown names in a read's property list are ignored (spec).
    expect(byEmail.body.properties).toEqual({ firstname: 'R', phone: null });
  });

  it('answers 404 OBJECT_NOT_FOUND for a missing id and email', async () => {
    const byId = await call(sandbox(), 'GET', `${BASE}/999`);
    expect(byId.status).toBe(404);
    assertSchema(byId.body, 'Error');
    expect(byId.body.category).toBe('OBJECT_NOT_FOUND');
    expect((await call(sandbox(), 'GET', `${BASE}/nobody@example.com?idProperty=email`)).status).toBe(404);
  });

  it('PATCH updates values, clears with "", refuses another contact\'s email with 409 and unknown properties with 400', async () => {
    const a = await call(sandbox(), 'POST', BASE, {
      properties: { email: 'a@example.com', firstname: 'A', lastname: 'L' },
    });
    await call(sandbox(), 'POST', BASE, { properties: { email: 'b@example.com' } });
    const patched = await call(sandbox(), 'PATCH', `${BASE}/${a.body.id}`, {
      properties: { firstname: 'Alice', lastname: '' },
    });
    expect(patched.status).toBe(200);
    assertSchema(patched.body, 'SimplePublicObject');
    expect(patched.body.properties.firstname).toBe('Alice');
    expect(patched.body.properties.lastname).toBeUndefined();
    const conflict = await call(sandbox(), 'PATCH', `${BASE}/${a.body.id}`, { properties: { email: 'B@example.com' } });
    expect(conflict.status).toBe(409);
    const unknown = await call(sandbox(), 'PATCH', `${BASE}/${a.body.id}`, { properties: { nope: '1' } });
    expect(unknown.status).toBe(400);
    expect(innerErrors(unknown.body.message)[0].error).toBe('PROPERTY_DOESNT_EXIST');
    expect((await call(sandbox(), 'PATCH', `${BASE}/404`, { properties: { firstname: 'x' } })).status).toBe(404);
  });

  it('DELETE archives (204): the contact disappears from reads, shows with archived=true, and its email is free again', async () => {
    const a = await call(sandbox(), 'POST', BASE, { properties: { email: 'gone@example.com' } });
    const del = await call(sandbox(), 'DELETE', `${BASE}/${a.body.id}`);
    expect(del.status).toBe(204);
    expect(del.body).toBeUndefined();
    expect((await call(sandbox(), 'GET', `${BASE}/${a.body.id}`)).status).toBe(404);
    const archived = await call(sandbox(), 'GET', `${BASE}/${a.body.id}?archived=true`);
    expect(archived.status).toBe(200);
    expect(archived.body.archived).toBe(true);
    expect(typeof archived.body.archivedAt).toBe('string');
    expect((await call(sandbox(), 'POST', BASE, { properties: { email: 'gone@example.com' } })).status).toBe(201);
  });
});

describe('GET list with paging', () => {
  it('pages with paging.next.after until no paging is returned, capping limit at 100', async () => {
    for (let batch = 0; batch < 3; batch++) {
      const inputs = Array.from({ length: 50 }, (_, i) => ({
        properties: { email: `p${batch * 50 + i}@example.com` },
      }));
      expect((await call(sandbox(), 'POST', `${BASE}/batch/create`, { inputs })).status).toBe(201);
    }
    const first = await call(sandbox(), 'GET', `${BASE}?limit=200`);
    expect(first.status).toBe(200);
    assertSchema(first.body, 'CollectionResponseSimplePublicObjectWithAssociationsForwardPaging');
    expect(first.body.results).toHaveLength(100);
    const seen = new Set<string>(first.body.results.map((r: { id: string }) => r.id));
    let after = first.body.paging.next.after;
    expect(first.body.paging.next.link).toContain(`after=${after}`);
    let pages = 1;
    while (after !== undefined) {
      const page = await call(sandbox(), 'GET', `${BASE}?limit=40&after=${after}&properties=email`);
      expect(page.status).toBe(200);
      for (const r of page.body.results) seen.add(r.id);
      expect(Object.keys(page.body.results[0].properties)).toEqual(['email']);
      after = page.body.paging?.next.after;
      pages++;
    }
    expect(seen.size).toBe(150);
    expect(pages).toBe(3);
  });

  it('lists archived contacts only with archived=true, and rejects a bad after', async () => {
    const a = await call(sandbox(), 'POST', BASE, { properties: { email: 'x@example.com' } });
    await call(sandbox(), 'POST', BASE, { properties: { email: 'y@example.com' } });
    await call(sandbox(), 'DELETE', `${BASE}/${a.body.id}`);
    expect((await call(sandbox(), 'GET', BASE)).body.results.map((r: { id: string }) => r.id)).not.toContain(a.body.id);
    expect(
      (await call(sandbox(), 'GET', `${BASE}?archived=true`)).body.results.map((r: { id: string }) => r.id),
    ).toEqual([a.body.id]);
    const bad = await call(sandbox(), 'GET', `${BASE}?after=abc`);
    expect(bad.status).toBe(400);
    assertSchema(bad.body, 'Error');
  });
});

describe('unknown routes', () => {
  it('answers 404 with an Error body naming what the sandbox emulates', async () => {
    const res = await call(sandbox(), 'GET', '/crm/v3/objects/companies');
    expect(res.status).toBe(404);
    assertSchema(res.body, 'Error');
    expect(res.body.message).toMatch(/contacts/);
  });
});

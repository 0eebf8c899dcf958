import { describe, expect, it } from 'vitest';
import { useHubspotSandbox } from './helpers/hubspot.js';
import { assertSchema, call } from './openapi/hubspot-http.js';

const BATCH = '/crm/v3/objects/contacts/batch';
const TOO_MANY =
  'The maximum number of inputs supported in a batch is 100. Please reduce the number of items and try again';
const sandbox = useHubspotSandbox();

const person = (i: number, extra: Record<string, string> = {}) => ({
  properties: { email: `u${i}@example.com`, firstname: `U${i}`, ...extra },
});

async function createUniqueProperty(name: string) {
  const res = await call(sandbox(), 'POST', '/crm/v3/properties/contacts', {
    name,
    label: name,
    type: 'string',
    fieldType: 'text',
    groupName: 'contactinformation',
    hasUniqueValue: true,
  });
  expect(res.status).toBe(201);
}

describe('batch/create', () => {
  it('creates up to 100 contacts (201, BatchResponseSimplePublicObject)', async () => {
    const res = await call(sandbox(), 'POST', `${BATCH}/create`, {
      inputs: Array.from({ length: 100 }, (_, i) => person(i)),
    });
    expect(res.status).toBe(201);
    assertSchema(res.body, 'BatchResponseSimplePublicObject');
    expect(res.body.status).toBe('COMPLETE');
    expect(res.body.results).toHaveLength(100);
    expect(sandbox().contacts()).toHaveLength(100);
  });

  it('rejects 101 inputs with the documented 400 and creates nothing', async () => {
    const res = await call(sandbox(), 'POST', `${BATCH}/create`, {
      inputs: Array.from({ length: 101 }, (_, i) => person(i)),
    });
    expect(res.status).toBe(400);
    assertSchema(res.body, 'Error');
    expect(res.body).toMatchObject({ category: 'VALIDATION_ERROR', message: TOO_MANY });
    expect(sandbox().contacts()).toHaveLength(0);
  });

  it('without objectWriteTraceIds fails whole on the first bad input: 409 for an existing email, naming it', async () => {
    const existing = await call(sandbox(), 'POST', '/crm/v3/objects/contacts', person(2));
    const res = await call(sandbox(), 'POST', `${BATCH}/create`, { inputs: [person(1), person(2), person(3)] });
    expect(res.status).toBe(409);
    assertSchema(res.body, 'Error');
    expect(res.body.message).toBe(`Contact already exists. Existing ID: ${existing.body.id}`);
    expect(sandbox().contacts()).toHaveLength(1);
  });

  it('without objectWriteTraceIds answers 409 for two inputs with the same email (any case)', async () => {
    const res = await call(sandbox(), 'POST', `${BATCH}/create`, {
      inputs: [person(1), { properties: { email: 'U1@EXAMPLE.com' } }],
    });
    expect(res.status).toBe(409);
    expect(res.body.category).toBe('CONFLICT');
    expect(sandbox().contacts()).toHaveLength(0);
  });

  it('without objectWriteTraceIds fails whole with 400 on an invalid email', async () => {
    const res = await call(sandbox(), 'POST', `${BATCH}/create`, {
      inputs: [person(1), { properties: { email: 'example.lcom' } }],
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('INVALID_EMAIL');
    expect(sandbox().contacts()).toHaveLength(0);
  });

  it('with objectWriteTraceIds answers 207: good inputs created, bad ones listed with context.objectWriteTraceId', async () => {
    await call(sandbox(), 'POST', '/crm/v3/objects/contacts', person(2));
    const inputs = [
      { ...person(1), objectWriteTraceId: 't1' },
      { ...person(2), objectWriteTraceId: 't2' },
      { properties: { email: 'bad' }, objectWriteTraceId: 't3' },
      { ...person(4), objectWriteTraceId: 't4' },
      { properties: { email: 'u4@example.com' }, objectWriteTraceId: 't5' },
    ];
    const res = await call(sandbox(), 'POST', `${BATCH}/create`, { inputs });
    expect(res.status).toBe(207);
    assertSchema(res.body, 'BatchResponseSimplePublicObjectWithErrors');
    expect(res.body.numErrors).toBe(3);
    expect(res.body.results.map((r: { objectWriteTraceId: string }) => r.objectWriteTraceId)).toEqual(['t1', 't4']);
    expect(
      res.body.errors.map((e: { context: { objectWriteTraceId: string[] } }) => e.context.objectWriteTraceId[0]),
    ).toEqual(['t2', 't3', 't5']);
    expect(res.body.errors.map((e: { category: string }) => e.category)).toEqual([
      'CONFLICT',
      'VALIDATION_ERROR',
      'CONFLICT',
    ]);
    expect(sandbox().contacts()).toHaveLength(3);
  });

  it('answers 400 when inputs is missing', async () => {
    const res = await call(sandbox(), 'POST', `${BATCH}/create`, { contacts: [] });
    expect(res.status).toBe(400);
    assertSchema(res.body, 'Error');
  });
});

describe('batch/upsert', () => {
  it('by email creates new and updates existing contacts, with new: true|false (200)', async () => {
    const existing = await call(sandbox(), 'POST', '/crm/v3/objects/contacts', person(1));
    const res = await call(sandbox(), 'POST', `${BATCH}/upsert`, {
      inputs: [
        { id: 'U1@example.com', idProperty: 'email', properties: { firstname: 'Updated' } },
        { id: 'new@example.com', idProperty: 'email', properties: { firstname: 'New' } },
      ],
    });
    expect(res.status).toBe(200);
    assertSchema(res.body, 'BatchResponseSimplePublicUpsertObject');
    const [updated, created] = res.body.results;
    expect(updated).toMatchObject({ id: existing.body.id, new: false });
    expect(updated.properties.firstname).toBe('Updated');
    expect(created.new).toBe(true);
    expect(created.properties.email).toBe('new@example.com');
    expect(sandbox().contacts()).toHaveLength(2);
  });

  it('by a custom hasUniqueValue property; a non-unique idProperty answers 400', async () => {
    await createUniqueProperty('etl_key');
    const first = await call(sandbox(), 'POST', `${BATCH}/upsert`, {
      inputs: [{ id: 'Mary|F', idProperty: 'etl_key', properties: { firstname: 'Mary' } }],
    });
    expect(first.status).toBe(200);
    expect(first.body.results[0].new).toBe(true);
    const again = await call(sandbox(), 'POST', `${BATCH}/upsert`, {
      inputs: [{ id: 'Mary|F', idProperty: 'etl_key', properties: { lastname: 'X' } }],
    });
    expect(again.body.results[0]).toMatchObject({ id: first.body.results[0].id, new: false });
    expect(again.body.results[0].properties).toMatchObject({ firstname: 'Mary', lastname: 'X', etl_key: 'Mary|F' });
    const bad = await call(sandbox(), 'POST', `${BATCH}/upsert`, {
      inputs: [{ id: 'x', idProperty: 'firstname', properties: {} }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('Unable to perform update/upsert by non-unique 0-1 property');
  });

  it('fails whole with 400 on an invalid input without trace ids, and 207 per input with them', async () => {
    const whole = await call(sandbox(), 'POST', `${BATCH}/upsert`, {
      inputs: [
        { id: 'ok@example.com', idProperty: 'email', properties: {} },
        { id: 'example.lcom', idProperty: 'email', properties: {} },
      ],
    });
    expect(whole.status).toBe(400);
    expect(whole.body.message).toContain('INVALID_EMAIL');
    expect(sandbox().contacts()).toHaveLength(0);
    const multi = await call(sandbox(), 'POST', `${BATCH}/upsert`, {
      inputs: [
        { id: 'ok@example.com', idProperty: 'email', properties: {}, objectWriteTraceId: 'a' },
        { id: 'example.lcom', idProperty: 'email', properties: {}, objectWriteTraceId: 'b' },
      ],
    });
    expect(multi.status).toBe(207);
    assertSchema(multi.body, 'BatchResponseSimplePublicUpsertObjectWithErrors');
    expect(multi.body.errors[0].context.objectWriteTraceId).toEqual(['b']);
    expect(sandbox().contacts()).toHaveLength(1);
  });

  it('rejects duplicate ids and more than 100 inputs', async () => {
    const dup = await call(sandbox(), 'POST', `${BATCH}/upsert`, {
      inputs: [
        { id: 'a@example.com', idProperty: 'email', properties: {} },
        { id: 'A@example.com', idProperty: 'email', properties: {} },
      ],
    });
    expect(dup.status).toBe(400);
    expect(dup.body.message).toMatch(/Duplicate IDs found in batch input/);
    const many = await call(sandbox(), 'POST', `${BATCH}/upsert`, {
      inputs: Array.from({ length: 101 }, (_, i) => ({ id: `x${i}@e.com`, idProperty: 'email', properties: {} })),
    });
    expect(many.status).toBe(400);
    expect(many.body.message).toBe(TOO_MANY);
  });
});

describe('batch/read', () => {
  it('reads by id and by email; missing ones come back as 207 OBJECT_NOT_FOUND with context.ids', async () => {
    const a = await call(sandbox(), 'POST', '/crm/v3/objects/contacts', person(1));
    const byId = await call(sandbox(), 'POST', `${BATCH}/read`, {
      inputs: [{ id: a.body.id }],
      properties: ['email', 'firstname'],
    });
    expect(byId.status).toBe(200);
    assertSchema(byId.body, 'BatchResponseSimplePublicObject');
    expect(byId.body.results[0].properties).toEqual({ email: 'u1@example.com', firstname: 'U1' });
    const byEmail = await call(sandbox(), 'POST', `${BATCH}/read`, {
      idProperty: 'email',
      properties: ['firstname'],
      inputs: [{ id: 'U1@example.com' }, { id: 'x@y.com' }],
    });
    expect(byEmail.status).toBe(207);
    assertSchema(byEmail.body, 'BatchResponseSimplePublicObjectWithErrors');
    expect(byEmail.body.results.map((r: { id: string }) => r.id)).toEqual([a.body.id]);
    expect(byEmail.body.numErrors).toBe(1);
    expect(byEmail.body.errors[0]).toMatchObject({
      status: 'error',
      category: 'OBJECT_NOT_FOUND',
      message: 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
      context: { ids: ['x@y.com'] },
    });
  });

  it('caps inputs at 100, and at 50 with propertiesWithHistory', async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ id: String(i + 1) }));
    expect((await call(sandbox(), 'POST', `${BATCH}/read`, { inputs: ids(101) })).body.message).toBe(TOO_MANY);
    const history = await call(sandbox(), 'POST', `${BATCH}/read`, {
      inputs: ids(51),
      propertiesWithHistory: ['email'],
    });
    expect(history.status).toBe(400);
    expect(history.body.message).toBe(
      'The maximum number of inputs supported in a batch request for property histories is 50',
    );
    await call(sandbox(), 'POST', '/crm/v3/objects/contacts', person(1));
    const ok = await call(sandbox(), 'POST', `${BATCH}/read`, { inputs: ids(1), propertiesWithHistory: ['email'] });
    assertSchema(ok.body, 'BatchResponseSimplePublicObject');
    expect(ok.body.results[0].propertiesWithHistory.email[0].value).toBe('u1@example.com');
  });
});

describe('batch/update', () => {
  it('updates by id (200); a missing id is a 207 OBJECT_NOT_FOUND echoing the objectWriteTraceId', async () => {
    const a = await call(sandbox(), 'POST', '/crm/v3/objects/contacts', person(1));
    const ok = await call(sandbox(), 'POST', `${BATCH}/update`, {
      inputs: [{ id: a.body.id, properties: { lastname: 'Z' } }],
    });
    expect(ok.status).toBe(200);
    assertSchema(ok.body, 'BatchResponseSimplePublicObject');
    expect(ok.body.results[0].properties.lastname).toBe('Z');
    const partial = await call(sandbox(), 'POST', `${BATCH}/update`, {
      inputs: [
        { id: a.body.id, properties: { lastname: 'Y' }, objectWriteTraceId: 'a' },
        { id: '9999', properties: { lastname: 'Q' }, objectWriteTraceId: 'b' },
      ],
    });
    expect(partial.status).toBe(207);
    assertSchema(partial.body, 'BatchResponseSimplePublicObjectWithErrors');
    expect(partial.body.errors[0]).toMatchObject({
      category: 'OBJECT_NOT_FOUND',
      context: { ids: ['9999'], objectWriteTraceId: ['b'] },
    });
    expect(sandbox().contacts()[0].properties.lastname).toBe('Y');
  });

  it('refuses idProperty email with the documented 400, and invalid values whole-batch', async () => {
    const res = await call(sandbox(), 'POST', `${BATCH}/update`, {
      inputs: [{ id: 'a@example.com', idProperty: 'email', properties: { firstname: 'x' } }],
    });
    expect(res.status).toBe(400);
    assertSchema(res.body, 'Error');
    expect(res.body.message).toBe('Unable to perform update/upsert by non-unique 0-1 property');
    const a = await call(sandbox(), 'POST', '/crm/v3/objects/contacts', person(1));
    const invalid = await call(sandbox(), 'POST', `${BATCH}/update`, {
      inputs: [{ id: a.body.id, properties: { nope: 'x' } }],
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toContain('PROPERTY_DOESNT_EXIST');
  });
});

describe('batch/archive', () => {
  it('archives (204, no body), ignoring unknown ids', async () => {
    const a = await call(sandbox(), 'POST', '/crm/v3/objects/contacts', person(1));
    const res = await call(sandbox(), 'POST', `${BATCH}/archive`, { inputs: [{ id: a.body.id }, { id: '12345' }] });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect(sandbox().contacts()[0].archived).toBe(true);
    const many = await call(sandbox(), 'POST', `${BATCH}/archive`, {
      inputs: Array.from({ length: 101 }, (_, i) => ({ id: String(i) })),
    });
    expect(many.status).toBe(400);
  });
});

import { describe, expect, it } from 'vitest';
import { useHubspotSandbox } from './helpers/hubspot.js';
import { assertSchema, call } from './openapi/hubspot-http.js';
import { schemaErrors } from './openapi/spec-schemas.js';

const PROPS = '/crm/v3/properties/contacts';
const sandbox = useHubspotSandbox();

const gender = {
  groupName: 'contactinformation',
  name: 'gender',
  label: 'Gender',
  type: 'enumeration',
  fieldType: 'select',
  options: [
    { label: 'Female', value: 'F', displayOrder: 1, hidden: false },
    { label: 'Male', value: 'M', displayOrder: 2, hidden: false },
  ],
};

describe('the spec helper', () => {
  it('rejects bodies that break the official schemas (so passing checks mean something)', () => {
    expect(
      schemaErrors('contacts-v3.json', 'SimplePublicObject', { id: 1, properties: {}, createdAt: 'x', updatedAt: 'y' }),
    ).not.toBe('');
    expect(
      schemaErrors('contacts-v3.json', 'Error', { message: 'm', category: 'c', correlationId: 'not-a-uuid' }),
    ).toMatch(/uuid/);
    expect(schemaErrors('properties-v3.json', 'Property', { name: 'x' })).toMatch(/required/);
  });
});

describe('GET properties', () => {
  it('lists realistic default properties that conform to CollectionResponsePropertyNoPaging', async () => {
    const res = await call(sandbox(), 'GET', PROPS);
    expect(res.status).toBe(200);
    assertSchema(res.body, 'CollectionResponsePropertyNoPaging', 'properties-v3.json');
    const names = res.body.results.map((p: { name: string }) => p.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'email',
        'firstname',
        'lastname',
        'phone',
        'createdate',
        'lastmodifieddate',
        'hs_object_id',
      ]),
    );
    expect(names).not.toContain('gender');
    const email = res.body.results.find((p: { name: string }) => p.name === 'email');
    expect(email).toMatchObject({
      type: 'string',
      fieldType: 'text',
      groupName: 'contactinformation',
      hubspotDefined: true,
    });
  });

  it('reads one property, 404 OBJECT_NOT_FOUND when missing', async () => {
    const ok = await call(sandbox(), 'GET', `${PROPS}/firstname`);
    expect(ok.status).toBe(200);
    assertSchema(ok.body, 'Property', 'properties-v3.json');
    const missing = await call(sandbox(), 'GET', `${PROPS}/gender`);
    expect(missing.status).toBe(404);
    assertSchema(missing.body, 'Error', 'properties-v3.json');
    expect(missing.body.category).toBe('OBJECT_NOT_FOUND');
    expect((await call(sandbox(), 'GET', '/crm/v3/properties/deals')).status).toBe(404);
  });
});

describe('POST property', () => {
  it('creates an enumeration property: 201, Property body, Location header; contacts then accept only its options', async () => {
    const res = await call(sandbox(), 'POST', PROPS, gender);
    expect(res.status).toBe(201);
    assertSchema(res.body, 'Property', 'properties-v3.json');
    expect(res.headers.location).toBe(`${sandbox().baseUrl}${PROPS}/gender`);
    expect(res.body.options.map((o: { value: string }) => o.value)).toEqual(['F', 'M']);
    expect((await call(sandbox(), 'GET', `${PROPS}/gender`)).body.name).toBe('gender');
    expect(
      (await call(sandbox(), 'POST', '/crm/v3/objects/contacts', { properties: { firstname: 'Mary', gender: 'F' } }))
        .status,
    ).toBe(201);
    const bad = await call(sandbox(), 'POST', '/crm/v3/objects/contacts', {
      properties: { firstname: 'Mary', gender: 'Female' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('INVALID_OPTION');
  });

  it('answers 409 when the property exists (custom or built-in)', async () => {
    expect((await call(sandbox(), 'POST', PROPS, gender)).status).toBe(201);
    const again = await call(sandbox(), 'POST', PROPS, gender);
    expect(again.status).toBe(409);
    assertSchema(again.body, 'Error', 'properties-v3.json');
    expect(again.body.message).toContain("'gender' already exists");
    expect(
      (
        await call(sandbox(), 'POST', PROPS, {
          ...gender,
          name: 'email',
          type: 'string',
          fieldType: 'text',
          options: [],
        })
      ).status,
    ).toBe(409);
  });

  it.each([
    [
      'missing required fields',
      { name: 'x' },
      /groupName is required.*label is required.*type is required.*fieldType is required/,
    ],
    ['an enumeration without options', { ...gender, options: [] }, /options are required for enumeration/],
    ['an unknown type', { ...gender, type: 'text' }, /type "text" is not one of/],
    [
      'an incompatible fieldType',
      { ...gender, name: 'flag', type: 'bool', fieldType: 'text', options: undefined },
      /fieldType "text" cannot be used with type "bool"/,
    ],
    [
      'date with a text field',
      { ...gender, name: 'born', type: 'date', fieldType: 'text', options: undefined },
      /cannot be used with type "date"/,
    ],
    ['an unknown group', { ...gender, groupName: 'nope' }, /groupName "nope" does not exist/],
    ['a reserved name', { ...gender, name: 'hs_gender' }, /reserved prefix/],
    [
      'an option without value',
      { ...gender, options: [{ label: 'F' }] },
      /options\[0\] needs a string label and value/,
    ],
  ])('answers 400 VALIDATION_ERROR for %s', async (_name, body, message) => {
    const res = await call(sandbox(), 'POST', PROPS, body);
    expect(res.status).toBe(400);
    assertSchema(res.body, 'Error', 'properties-v3.json');
    expect(res.body.category).toBe('VALIDATION_ERROR');
    expect(res.body.message).toMatch(message);
  });

  it('allows at most 10 unique-value properties', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await call(sandbox(), 'POST', PROPS, {
        name: `key_${i}`,
        label: `Key ${i}`,
        type: 'string',
        fieldType: 'text',
        groupName: 'contactinformation',
        hasUniqueValue: true,
      });
      expect(res.status).toBe(201);
    }
    const eleventh = await call(sandbox(), 'POST', PROPS, {
      name: 'key_x',
      label: 'Key',
      type: 'string',
      fieldType: 'text',
      groupName: 'contactinformation',
      hasUniqueValue: true,
    });
    expect(eleventh.status).toBe(400);
    expect(eleventh.body.message).toMatch(/at most 10/);
  });

  it('enforces a unique property across contacts with 409', async () => {
    await call(sandbox(), 'POST', PROPS, {
      name: 'etl_key',
      label: 'Key',
      type: 'string',
      fieldType: 'text',
      groupName: 'contactinformation',
      hasUniqueValue: true,
    });
    const first = await call(sandbox(), 'POST', '/crm/v3/objects/contacts', {
      properties: { firstname: 'A', etl_key: 'k1' },
    });
    const second = await call(sandbox(), 'POST', '/crm/v3/objects/contacts', {
      properties: { firstname: 'B', etl_key: 'k1' },
    });
    expect(second.status).toBe(409);
    expect(second.body.message).toBe(`Contact already exists. Existing ID: ${first.body.id}`);
    const byKey = await call(sandbox(), 'GET', '/crm/v3/objects/contacts/k1?idProperty=etl_key&properties=firstname');
    expect(byKey.body.properties.firstname).toBe('A');
  });
});

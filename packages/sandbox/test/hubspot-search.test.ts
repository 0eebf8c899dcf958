import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox } from '../src/hubspot/index.js';
import type { HubspotSandbox } from '../src/types.js';
import { assertSchema, call } from './openapi/hubspot-http.js';

const SEARCH = '/crm/v3/objects/contacts/search';
let hs: HubspotSandbox;

/** Search allows 5 requests a second; space calls so functional tests never meet that limit. */
async function search(body: unknown) {
  await sleep(220);
  return call(hs, 'POST', SEARCH, body);
}

const ids = (res: { body: { results: Array<{ properties: { firstname: string } }> } }) =>
  res.body.results.map((r) => r.properties.firstname);

beforeAll(async () => {
  hs = await startHubspotSandbox({ rate: '100000/10s' });
  const prop = await call(hs, 'POST', '/crm/v3/properties/contacts', {
    name: 'births',
    label: 'Births',
    type: 'number',
    fieldType: 'number',
    groupName: 'contactinformation',
  });
  expect(prop.status).toBe(201);
  const people = [
    { firstname: 'Mary', lastname: 'Smith', email: 'mary.smith@example.com', births: '7065' },
    { firstname: 'Anna', lastname: 'Jones', email: 'anna@example.org', births: '2604' },
    { firstname: 'Emma', lastname: 'Smith', email: 'emma@example.com', births: '2003' },
    { firstname: 'John', email: 'john@example.net', births: '9655' },
    { firstname: 'Zed' },
  ];
  const res = await call(hs, 'POST', '/crm/v3/objects/contacts/batch/create', {
    inputs: people.map((properties) => ({ properties })),
  });
  expect(res.status).toBe(201);
  const archived = await call(hs, 'POST', '/crm/v3/objects/contacts', {
    properties: { firstname: 'Ghost', lastname: 'Smith' },
  });
  await call(hs, 'DELETE', `/crm/v3/objects/contacts/${archived.body.id}`);
});
afterAll(async () => {
  await hs.close();
});

describe('search', () => {
  it('accepts {} and answers CollectionResponseWithTotalSimplePublicObject without rate-limit headers', async () => {
    const res = await search({});
    expect(res.status).toBe(200);
    assertSchema(res.body, 'CollectionResponseWithTotalSimplePublicObject');
    expect(res.body.total).toBe(5);
    expect(ids(res)).not.toContain('Ghost');
    expect(Object.keys(res.headers).filter((h) => h.startsWith('x-hubspot-ratelimit'))).toEqual([]);
    expect(res.headers['x-hubspot-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['EQ (case-insensitive)', [{ propertyName: 'lastname', operator: 'EQ', value: 'SMITH' }], ['Mary', 'Emma']],
    [
      'NEQ (includes contacts without the value)',
      [{ propertyName: 'lastname', operator: 'NEQ', value: 'smith' }],
      ['Anna', 'John', 'Zed'],
    ],
    ['LT on a number', [{ propertyName: 'births', operator: 'LT', value: '2604' }], ['Emma']],
    ['LTE on a number', [{ propertyName: 'births', operator: 'LTE', value: '2604' }], ['Anna', 'Emma']],
    ['GT on a number (numeric, not text order)', [{ propertyName: 'births', operator: 'GT', value: '7065' }], ['John']],
    ['GTE on a number', [{ propertyName: 'births', operator: 'GTE', value: '7065' }], ['Mary', 'John']],
    [
      'BETWEEN',
      [{ propertyName: 'births', operator: 'BETWEEN', value: '2003', highValue: '7065' }],
      ['Mary', 'Anna', 'Emma'],
    ],
    ['IN', [{ propertyName: 'firstname', operator: 'IN', values: ['anna', 'zed'] }], ['Anna', 'Zed']],
    ['NOT_IN', [{ propertyName: 'firstname', operator: 'NOT_IN', values: ['anna', 'zed'] }], ['Mary', 'Emma', 'John']],
    ['HAS_PROPERTY', [{ propertyName: 'email', operator: 'HAS_PROPERTY' }], ['Mary', 'Anna', 'Emma', 'John']],
    ['NOT_HAS_PROPERTY', [{ propertyName: 'email', operator: 'NOT_HAS_PROPERTY' }], ['Zed']],
    [
      'CONTAINS_TOKEN with a wildcard',
      [{ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: '*@example.com' }],
      ['Mary', 'Emma'],
    ],
    ['CONTAINS_TOKEN on a token', [{ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: 'smith' }], ['Mary']],
    ['NOT_CONTAINS_TOKEN', [{ propertyName: 'email', operator: 'NOT_CONTAINS_TOKEN', value: 'example' }], ['Zed']],
    [
      'AND within a group',
      [
        { propertyName: 'lastname', operator: 'EQ', value: 'smith' },
        { propertyName: 'births', operator: 'GT', value: '5000' },
      ],
      ['Mary'],
    ],
  ])('filters with %s', async (_name, filters, expected) => {
    const res = await search({ filterGroups: [{ filters }], properties: ['firstname'] });
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual(expected);
    expect(res.body.total).toBe(expected.length);
  });

  it('ORs filter groups', async () => {
    const res = await search({
      filterGroups: [
        { filters: [{ propertyName: 'firstname', operator: 'EQ', value: 'zed' }] },
        { filters: [{ propertyName: 'births', operator: 'GT', value: '9000' }] },
      ],
    });
    expect(ids(res)).toEqual(['John', 'Zed']);
  });

  it('sorts (object and string forms) and matches a free-text query', async () => {
    const desc = await search({
      sorts: [{ propertyName: 'births', direction: 'DESCENDING' }],
      properties: ['firstname', 'births'],
    });
    expect(ids(desc)).toEqual(['John', 'Mary', 'Anna', 'Emma', 'Zed']);
    const asc = await search({ sorts: ['firstname'] });
    expect(ids(asc)).toEqual(['Anna', 'Emma', 'John', 'Mary', 'Zed']);
    const query = await search({ query: 'smi' });
    expect(ids(query)).toEqual(['Mary', 'Emma']);
  });

  it('pages with a numeric after offset', async () => {
    const first = await search({ limit: 2 });
    expect(first.body.paging.next.after).toBe('2');
    const second = await search({ limit: 2, after: first.body.paging.next.after });
    const third = await search({ limit: 2, after: second.body.paging.next.after });
    expect(third.body.paging).toBeUndefined();
    expect([...ids(first), ...ids(second), ...ids(third)]).toEqual(['Mary', 'Anna', 'Emma', 'John', 'Zed']);
  });

  it('answers 400 VALIDATION_ERROR for limit > 200, paging beyond 10,000, bad operators and unknown properties', async () => {
    for (const body of [
      { limit: 201 },
      { limit: 100, after: '9950' },
      { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'LIKE', value: 'x' }] }] },
      { filterGroups: [{ filters: [{ propertyName: 'nope', operator: 'EQ', value: 'x' }] }] },
      { filterGroups: [{ filters: [{ propertyName: 'births', operator: 'BETWEEN', value: '1' }] }] },
      { filterGroups: [{ filters: [{ propertyName: 'firstname', operator: 'IN' }] }] },
    ]) {
      const res = await search(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      assertSchema(res.body, 'Error');
      expect(res.body.category).toBe('VALIDATION_ERROR');
    }
    expect((await search({ limit: 200, after: '9800' })).status).toBe(200);
  });

  it('has its own 5/s limit: 429 SECONDLY "You have reached your secondly limit." without rate headers', async () => {
    await sleep(1100);
    const answers = await Promise.all(Array.from({ length: 8 }, () => call(hs, 'POST', SEARCH, {})));
    const limited = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
    expect(limited).toHaveLength(3);
    expect(limited[0].body).toMatchObject({
      status: 'error',
      message: 'You have reached your secondly limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'SECONDLY',
    });
    expect(limited[0].body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(limited[0].headers).some((h) => h.startsWith('x-hubspot-ratelimit'))).toBe(false);
    await sleep(1100);
    expect((await call(hs, 'POST', SEARCH, {})).status).toBe(200);
    expect(hs.stats().rateLimited.SECONDLY).toBe(3);
  });
});

import { describe, expect, it } from 'vitest';
import { usePipedriveSandbox } from './helpers/pipedrive.js';
import { pd } from './openapi/pipedrive-http.js';
import { assertResponse } from './openapi/pipedrive-spec.js';

const sandbox = usePipedriveSandbox();
const search = (query: string) => pd(sandbox(), 'GET', `/api/v2/persons/search?${query}`);
const ids = (body: { data: { items: Array<{ item: { id: number } }> } }) => body.data.items.map((i) => i.item.id);

async function add(name: string, email?: string): Promise<number> {
  const res = await pd(sandbox(), 'POST', '/api/v2/persons', {
    name,
    ...(email ? { emails: [{ value: email }] } : {}),
  });
  return res.body.data.id;
}

describe('search by email, exact match', () => {
  it("finds the person whose email equals the term, ignoring case, in the spec's shape", async () => {
    const ada = await add('Ada Lovelace', 'Ada@Example.com');
    await add('Adam', 'ada@example.com.au');
    await add('Other', 'other@example.com');
    const res = await search(`term=${encodeURIComponent('ada@example.COM')}&fields=email&exact_match=true`);
    expect(res.status).toBe(200);
    assertResponse(res.body, 'GET', '/persons/search');
    expect(res.body.data.items).toEqual([
      {
        result_score: 1,
        item: {
          id: ada,
          type: 'person',
          name: 'Ada Lovelace',
          phones: [],
          emails: ['Ada@Example.com'],
          visible_to: 3,
          owner: { id: expect.any(Number) },
          organization: null,
          custom_fields: [],
          notes: [],
        },
      },
    ]);
    expect(res.body.additional_data.next_cursor).toBeNull();
  });

  it('finds nothing for a deleted person or an email only contained in another', async () => {
    const gone = await add('Gone', 'gone@example.com');
    await pd(sandbox(), 'DELETE', `/api/v2/persons/${gone}`);
    expect(ids((await search('term=gone@example.com&fields=email&exact_match=true')).body)).toEqual([]);
    expect(ids((await search('term=example.com&fields=email&exact_match=true')).body)).toEqual([]);
  });

  it('returns every person with the email: Pipedrive, unlike HubSpot, does not keep emails unique', async () => {
    const a = await add('First', 'same@example.com');
    const b = await add('Second', 'SAME@example.com');
    expect(ids((await search('term=same@example.com&fields=email&exact_match=true')).body)).toEqual([a, b]);
  });

  it('follows an email changed by PATCH', async () => {
    const id = await add('Move', 'old@example.com');
    await pd(sandbox(), 'PATCH', `/api/v2/persons/${id}`, { emails: [{ value: 'new@example.com' }] });
    expect(ids((await search('term=old@example.com&fields=email&exact_match=true')).body)).toEqual([]);
    expect(ids((await search('term=new@example.com&fields=email&exact_match=true')).body)).toEqual([id]);
  });
});

describe('search without exact match, and paging', () => {
  it('matches parts of names and emails, whole matches first', async () => {
    const a = await add('Mary Smith', 'mary@example.com');
    const b = await add('Mary', 'm@example.com');
    expect(ids((await search('term=mary')).body)).toEqual([b, a]);
    expect(ids((await search('term=smith&fields=name')).body)).toEqual([a]);
  });

  it('pages with next_cursor', async () => {
    for (let i = 0; i < 5; i++) await add(`Twin ${i}`, `twin${i}@example.com`);
    const first = await search('term=twin&limit=2');
    expect(first.body.data.items).toHaveLength(2);
    const all = [...ids(first.body)];
    let cursor = first.body.additional_data.next_cursor;
    while (cursor) {
      const next = await search(`term=twin&limit=2&cursor=${cursor}`);
      all.push(...ids(next.body));
      cursor = next.body.additional_data.next_cursor;
    }
    expect(all).toEqual([1, 2, 3, 4, 5]);
  });

  it.each([
    ['', 'term: is required'],
    ['term=a', 'at least 2 characters'],
    ['term=ab&fields=title', 'fields: "title" is not one of'],
    ['term=ab&limit=501', 'limit'],
    ['term=ab&exact_match=yes', 'exact_match'],
  ])('refuses %j with 400', async (query, message) => {
    const res = await search(query);
    expect(res.status).toBe(400);
    expect(res.body.error).toContain(message);
  });

  it('accepts a one-character term with exact_match', async () => {
    expect((await search('term=a&exact_match=true')).status).toBe(200);
  });
});

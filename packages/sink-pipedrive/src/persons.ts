/**
 * Persons at Pipedrive: the account's persons listed once (cursor pages of 500 at 10 tokens each, instead of a 20-token
 * search per record with its 10 / 2 s limit), and one POST or PATCH per person, as v2 has no batch or upsert.
 */
import { HttpRequestError } from '@etl/core';
import type { PipedriveClient } from './client.js';
import { COST } from './limits.js';
import { heldPerson, personHash, type HeldData } from './mapping.js';
import type { FieldMap } from './fields.js';

/** What the account holds for one email: the person's id and the hash of what the sink compares. */
export interface Held {
  id: string;
  hash: string;
}

export const PAGE = 500;
const PATH = '/api/v2/persons';

/** Email → person, the lowest id when two persons share an email. */
export async function listPersons(
  client: PipedriveClient,
  fields: FieldMap,
  onPage: (listed: number) => void,
): Promise<Map<string, Held>> {
  const index = new Map<string, Held>();
  const keys = [...fields.values()].map((f) => f.code);
  let cursor: string | undefined;
  do {
    const { data } = await client.request<HeldData[]>({
      method: 'GET',
      url: PATH,
      params: { limit: PAGE, cursor, ...(keys.length > 0 ? { custom_fields: keys.slice(0, 15).join(',') } : {}) },
      cost: COST.listPersons,
      retries: 'client',
    });
    for (const item of data.data) {
      const person = heldPerson(item, fields);
      if (person.email && !index.has(person.email))
        index.set(person.email, { id: String(item.id), hash: personHash(person) });
    }
    onPage(index.size);
    cursor = data.additional_data?.next_cursor ?? undefined;
  } while (cursor);
  return index;
}

export type SendOutcome = { id: string; created: boolean } | { reason: string };

/** Creates the person, or updates `id`; a PATCH of a person deleted since is a create. 4xx other than auth reject. */
export async function sendPerson(
  client: PipedriveClient,
  body: Record<string, unknown>,
  id: string | undefined,
): Promise<SendOutcome> {
  try {
    if (id !== undefined) {
      const { status, data } = await client.request<HeldData>({
        method: 'PATCH',
        url: `${PATH}/${encodeURIComponent(id)}`,
        data: body,
        cost: COST.updatePerson,
        accept: [404],
      });
      if (status !== 404) return { id: String(data.data.id), created: false };
    }
    const { data } = await client.request<HeldData>({
      method: 'POST',
      url: PATH,
      data: body,
      cost: COST.createPerson,
    });
    return { id: String(data.data.id), created: true };
  } catch (error) {
    if (error instanceof HttpRequestError) return { reason: error.message };
    throw error;
  }
}

/** Reads persons back by id, 100 a request (10 tokens), for `--reconcile`. */
export async function readPersons(
  client: PipedriveClient,
  ids: string[],
  fields: FieldMap,
): Promise<Map<string, Held>> {
  const keys = [...fields.values()].map((f) => f.code);
  const { data } = await client.request<HeldData[]>({
    method: 'GET',
    url: PATH,
    params: {
      ids: ids.join(','),
      limit: PAGE,
      ...(keys.length > 0 ? { custom_fields: keys.slice(0, 15).join(',') } : {}),
    },
    cost: COST.getPersons,
    retries: 'client',
  });
  const found = new Map<string, Held>();
  for (const item of data.data)
    found.set(String(item.id), { id: String(item.id), hash: personHash(heldPerson(item, fields)) });
  return found;
}

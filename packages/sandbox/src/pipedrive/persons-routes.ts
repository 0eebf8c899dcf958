import type { FastifyInstance } from 'fastify';
import type { PipedriveContext } from './context.js';
import { decodeCursor, encodeCursor, readLimit, type KeyCursor } from './cursor.js';
import { notFoundError, validationError } from './errors.js';
import { pipedriveTime, readPersonBody } from './person-input.js';
import { presentPerson, splitName } from './person-view.js';
import type { StoredPerson } from './store.js';

type Query = Record<string, string | undefined>;
const SORT_FIELDS = ['id', 'update_time', 'add_time'] as const;
type SortField = (typeof SORT_FIELDS)[number];

function readId(value: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id < 1)
    throw validationError(`Validation failed: id: must be a positive integer, got "${value}"`);
  return id;
}

function optionalInt(query: Query, key: string): number | undefined {
  const value = query[key];
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw validationError(`Validation failed: ${key}: must be an integer, got "${value}"`);
  return n;
}

/** `custom_fields=` of reads: at most 15 keys (as the spec says). */
function customKeys(query: Query): string[] | undefined {
  if (!query.custom_fields) return undefined;
  const keys = query.custom_fields
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (keys.length > 15) throw validationError('Validation failed: custom_fields: at most 15 keys are allowed');
  return keys;
}

function live(ctx: PipedriveContext, id: number): StoredPerson {
  const person = ctx.store.get(id);
  // A deleted person is gone for the API, though kept for 30 days.
  if (!person || person.is_deleted) throw notFoundError('Person');
  return person;
}

/** Sort key of a person for `field`: ids are numbers, times ISO strings (which sort as text). */
const keyOf = (p: StoredPerson, field: SortField): string | number => (field === 'id' ? p.id : p[field]);

function compare(a: StoredPerson, b: StoredPerson, field: SortField, dir: 1 | -1): number {
  const ka = keyOf(a, field);
  const kb = keyOf(b, field);
  if (ka !== kb) return (ka < kb ? -1 : 1) * dir;
  return (a.id - b.id) * dir;
}

/** Whether `p` sorts at or after the cursor's first item. */
function atOrAfter(p: StoredPerson, cursor: KeyCursor, field: SortField, dir: 1 | -1): boolean {
  const key = keyOf(p, field);
  if (key !== cursor.fieldValue) return (key > cursor.fieldValue ? 1 : -1) * dir > 0;
  return (p.id - cursor.id) * dir >= 0;
}

/** GET /persons: filters, sort, and key-set cursor pages of up to 500. */
function listPersons(ctx: PipedriveContext, query: Query) {
  const limit = readLimit(query.limit);
  const field = (query.sort_by ?? 'id') as SortField;
  if (!SORT_FIELDS.includes(field))
    throw validationError(`Validation failed: sort_by: must be one of ${SORT_FIELDS.join(', ')}`);
  const direction = query.sort_direction ?? 'asc';
  if (direction !== 'asc' && direction !== 'desc')
    throw validationError('Validation failed: sort_direction: must be asc or desc');
  const dir = direction === 'asc' ? 1 : -1;
  const cursor = query.cursor
    ? decodeCursor<KeyCursor>(
        query.cursor,
        (c) => c.field === field && c.sortDirection === direction && typeof c.id === 'number',
      )
    : undefined;
  const owner = optionalInt(query, 'owner_id');
  const org = optionalInt(query, 'org_id');
  const ids = query.ids ? new Set(query.ids.split(',').map((s) => Number(s.trim()))) : undefined;
  if (ids && ids.size > 100) throw validationError('Validation failed: ids: at most 100 ids are allowed');
  const since = query.updated_since ? Date.parse(query.updated_since) : undefined;
  const until = query.updated_until ? Date.parse(query.updated_until) : undefined;
  if (Number.isNaN(since) || Number.isNaN(until))
    throw validationError(
      'Validation failed: updated_since and updated_until must be RFC 3339 times, e.g. 2025-01-01T10:20:00Z',
    );
  const keep = (p: StoredPerson) =>
    !p.is_deleted &&
    (!ids || ids.has(p.id)) &&
    (owner === undefined || p.owner_id === owner) &&
    (org === undefined || p.org_id === org) &&
    (since === undefined || Date.parse(p.update_time) >= since) &&
    (until === undefined || Date.parse(p.update_time) < until);

  const page: StoredPerson[] = [];
  if (field === 'id' && dir === 1) {
    // The common case, 100k+ persons: start by binary search in the ascending id list and walk until the page is full.
    const order = ctx.store.order;
    let lo = 0;
    let hi = order.length;
    const from = cursor?.id ?? 0;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (order[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < order.length && page.length <= limit; i++) {
      const p = ctx.store.get(order[i])!;
      if (keep(p)) page.push(p);
    }
  } else {
    const sorted = ctx.store
      .all()
      .filter(keep)
      .sort((a, b) => compare(a, b, field, dir));
    for (const p of sorted) {
      if (page.length > limit) break;
      if (!cursor || atOrAfter(p, cursor, field, dir)) page.push(p);
    }
  }
  const next = page.length > limit ? page.pop()! : undefined;
  const nextCursor = next
    ? encodeCursor({ field, fieldValue: keyOf(next, field), sortDirection: direction, id: next.id })
    : null;
  const keys = customKeys(query);
  return {
    success: true,
    data: page.map((p) => presentPerson(ctx.store, p, keys)),
    additional_data: { next_cursor: nextCursor },
  };
}

export function personRoutes(app: FastifyInstance, ctx: PipedriveContext): void {
  app.get('/api/v2/persons', async (request) => listPersons(ctx, request.query as Query));

  app.get<{ Params: { id: string } }>('/api/v2/persons/:id', async (request) => {
    const person = live(ctx, readId(request.params.id));
    return { success: true, data: presentPerson(ctx.store, person, customKeys(request.query as Query)) };
  });

  app.post('/api/v2/persons', async (request) => {
    const changes = readPersonBody(ctx.store, request.body, 'create');
    const now = pipedriveTime(ctx.clock.now());
    const name = changes.name!;
    const person = ctx.store.add({
      name,
      ...splitName(name),
      owner_id: changes.owner_id ?? ctx.company.userId,
      org_id: changes.org_id ?? null,
      emails: changes.emails ?? [],
      phones: changes.phones ?? [],
      // 3 ("owner's visibility group") is a new company's default.
      visible_to: changes.visible_to ?? 3,
      label_ids: changes.label_ids ?? [],
      custom_fields: Object.fromEntries(Object.entries(changes.custom_fields ?? {}).filter(([, v]) => v !== null)),
      ...(changes.marketing_status ? { marketing_status: changes.marketing_status } : {}),
      add_time: changes.add_time ?? now,
      update_time: changes.update_time ?? now,
      is_deleted: false,
    });
    return { success: true, data: presentPerson(ctx.store, person) };
  });

  app.patch<{ Params: { id: string } }>('/api/v2/persons/:id', async (request) => {
    const person = live(ctx, readId(request.params.id));
    const changes = readPersonBody(ctx.store, request.body ?? {}, 'update');
    const custom = { ...person.custom_fields };
    for (const [key, value] of Object.entries(changes.custom_fields ?? {})) {
      if (value === null) delete custom[key];
      else custom[key] = value;
    }
    const next: StoredPerson = {
      ...person,
      ...changes,
      ...(changes.name ? splitName(changes.name) : {}),
      custom_fields: custom,
      update_time: changes.update_time ?? pipedriveTime(ctx.clock.now()),
    };
    ctx.store.replace(next);
    return { success: true, data: presentPerson(ctx.store, next) };
  });

  app.delete<{ Params: { id: string } }>('/api/v2/persons/:id', async (request) => {
    const person = live(ctx, readId(request.params.id));
    ctx.store.replace({ ...person, is_deleted: true, update_time: pipedriveTime(ctx.clock.now()) });
    return { success: true, data: { id: person.id } };
  });
}

import type { FastifyInstance } from 'fastify';
import { present, type HubspotContext } from './context.js';
import { validationError } from './errors.js';
import { DEFAULT_READ_PROPERTIES } from './property-definitions.js';
import { compileSearch, compileSorts } from './search.js';

/** Search cannot page past this many results (D-SEARCH). */
const MAX_RESULTS = 10_000;
const MAX_LIMIT = 200;

/** `POST /crm/v3/objects/contacts/search`. Its own 5/s limit and missing rate headers are handled by the server. */
export function searchRoutes(app: FastifyInstance, ctx: HubspotContext): void {
  const { store } = ctx;
  app.post('/crm/v3/objects/contacts/search', async (request) => {
    // `{}` is a valid search (docs), although the spec marks after, limit, sorts and properties as required.
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body))
      throw validationError('Invalid input JSON: the body must be a PublicObjectSearchRequest object.');
    const limit = body.limit === undefined ? 10 : Number(body.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw validationError(`limit must be an integer from 1 to ${MAX_LIMIT}, got ${JSON.stringify(body.limit)}.`);
    }
    const after = body.after === undefined || body.after === null || body.after === '' ? 0 : Number(body.after);
    if (!Number.isInteger(after) || after < 0) {
      throw validationError(
        `after must be the numeric offset from paging.next.after, got ${JSON.stringify(body.after)}.`,
      );
    }
    if (after + limit > MAX_RESULTS) {
      throw validationError(
        `Paging beyond ${MAX_RESULTS} results is not supported (after ${after} + limit ${limit}). Narrow the search with filters, e.g. on hs_object_id, instead of paging further.`,
      );
    }
    const match = compileSearch(store, body.filterGroups, body.query);
    const order = compileSorts(store, body.sorts);
    const selection =
      Array.isArray(body.properties) && body.properties.length > 0
        ? body.properties.map(String)
        : DEFAULT_READ_PROPERTIES;
    const matches = store.all().filter(match);
    if (Array.isArray(body.sorts) && body.sorts.length > 0) matches.sort(order);
    const page = matches.slice(after, after + limit);
    const result: Record<string, unknown> = {
      total: matches.length,
      results: page.map((contact) => present(store, contact, selection)),
    };
    const next = after + limit;
    if (next < matches.length && next < MAX_RESULTS) result.paging = { next: { after: String(next) } };
    return result;
  });
}

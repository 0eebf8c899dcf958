import type { FastifyInstance } from 'fastify';
import type { ContactStore, StoredContact } from './contact-store.js';
import { iso, listParam, present, type HubspotContext } from './context.js';
import { conflictError, notFoundError, validationError } from './errors.js';
import { DEFAULT_READ_PROPERTIES } from './property-definitions.js';

const BASE = '/crm/v3/objects/contacts';
const MAX_PAGE = 100;

/** Checks an input object's shape and returns its normalized property values (throws HubSpot's 400). */
export function inputValues(store: ContactStore, input: unknown, where = 'the body'): Record<string, string> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw validationError(`Invalid input JSON: ${where} must be an object with a "properties" object.`);
  }
  const { properties, associations } = input as Record<string, unknown>;
  // The spec marks `associations` required, but HubSpot's own examples omit it; accept both.
  if (associations !== undefined && !Array.isArray(associations)) {
    throw validationError(`Invalid input JSON: "associations" in ${where} must be an array.`);
  }
  return store.normalize(properties);
}

/** Throws 409 CONFLICT when another contact already holds one of the unique values (email, unique properties). */
export function assertNoConflict(store: ContactStore, values: Record<string, string>, selfId?: string): void {
  const existing = store.conflictOf(values, selfId);
  if (existing !== undefined) throw conflictError(existing);
}

function findOr404(store: ContactStore, id: string, idProperty: string | undefined, archived: boolean): StoredContact {
  if (idProperty !== undefined && !store.isUniqueProperty(idProperty)) {
    throw validationError(
      `Unable to perform lookup by non-unique 0-1 property ${idProperty}; use email, hs_object_id or a property created with hasUniqueValue.`,
    );
  }
  const contact = archived
    ? idProperty === undefined || idProperty === 'hs_object_id'
      ? store.get(id)
      : undefined
    : store.find(idProperty, id);
  if (!contact || contact.archived !== archived) {
    throw notFoundError('Object not found.  objectId are usually numeric.', { id: [id] });
  }
  return contact;
}

/** Single-contact routes and the GET list. */
export function contactRoutes(app: FastifyInstance, ctx: HubspotContext): void {
  const { store } = ctx;

  app.post(BASE, async (request, reply) => {
    const values = inputValues(store, request.body);
    assertNoConflict(store, values);
    const contact = store.create(values, iso(ctx.now()));
    return reply.code(201).send(present(store, contact, 'all'));
  });

  app.get(BASE, async (request) => {
    const query = request.query as Record<string, string | undefined>;
    const limit = query.limit === undefined ? 10 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw validationError(`limit must be a positive integer, got "${query.limit}".`);
    const after = query.after === undefined ? 0 : Number(query.after);
    if (!Number.isInteger(after) || after < 0) {
      throw validationError(
        `after must be the value of paging.next.after from the previous page, got "${query.after}".`,
      );
    }
    const selection = listParam(query.properties) ?? DEFAULT_READ_PROPERTIES;
    const withHistory = listParam(query.propertiesWithHistory);
    // HubSpot caps the page size rather than rejecting larger limits.
    const page = store.page(after, Math.min(limit, MAX_PAGE), query.archived === 'true');
    const body: Record<string, unknown> = {
      results: page.results.map((contact) => present(store, contact, selection, { withHistory })),
    };
    if (page.nextAfter !== undefined) {
      const link = `${ctx.baseUrl()}${BASE}?after=${page.nextAfter}&limit=${Math.min(limit, MAX_PAGE)}`;
      body.paging = { next: { after: page.nextAfter, link } };
    }
    return body;
  });

  app.get(`${BASE}/:contactId`, async (request) => {
    const { contactId } = request.params as { contactId: string };
    const query = request.query as Record<string, string | undefined>;
    const contact = findOr404(store, contactId, query.idProperty, query.archived === 'true');
    const selection = listParam(query.properties) ?? DEFAULT_READ_PROPERTIES;
    return present(store, contact, selection, { withHistory: listParam(query.propertiesWithHistory) });
  });

  app.patch(`${BASE}/:contactId`, async (request) => {
    const { contactId } = request.params as { contactId: string };
    const query = request.query as Record<string, string | undefined>;
    const contact = findOr404(store, contactId, query.idProperty, false);
    const values = inputValues(store, request.body);
    assertNoConflict(store, values, contact.id);
    return present(store, store.update(contact, values, iso(ctx.now())), 'all');
  });

  app.delete(`${BASE}/:contactId`, async (request, reply) => {
    const { contactId } = request.params as { contactId: string };
    // Archiving a missing or already archived contact still answers 204, as HubSpot does.
    store.archive(contactId, iso(ctx.now()));
    return reply.code(204).send();
  });
}

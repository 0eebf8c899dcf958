import type { FastifyInstance } from 'fastify';
import { iso, type HubspotContext } from './context.js';
import { HubspotApiError, errorBody, notFoundError } from './errors.js';
import { validatePropertyCreate } from './property-create.js';

const BASE = '/crm/v3/properties/:objectType';

/** Only contacts are emulated; `0-1` is the contacts object type id. */
function assertContacts(objectType: string): void {
  if (objectType !== 'contacts' && objectType !== '0-1') {
    throw notFoundError(`Unknown object type ${objectType}: this sandbox emulates only contacts (or 0-1).`);
  }
}

/** Contact property definitions: list, read one, create. */
export function propertyRoutes(app: FastifyInstance, ctx: HubspotContext): void {
  const { store } = ctx;

  app.get(BASE, async (request) => {
    assertContacts((request.params as { objectType: string }).objectType);
    return { results: store.properties() };
  });

  app.get(`${BASE}/:propertyName`, async (request) => {
    const { objectType, propertyName } = request.params as { objectType: string; propertyName: string };
    assertContacts(objectType);
    const definition = store.property(propertyName);
    if (!definition) throw notFoundError(`Property ${propertyName} does not exist`, { propertyName: [propertyName] });
    return definition;
  });

  app.post(BASE, async (request, reply) => {
    assertContacts((request.params as { objectType: string }).objectType);
    const definition = validatePropertyCreate(request.body, store.uniquePropertyCount(), iso(ctx.now()));
    if (store.property(definition.name)) {
      throw new HubspotApiError(
        409,
        errorBody('OBJECT_ALREADY_EXISTS', `Property named '${definition.name}' already exists.`),
      );
    }
    store.addProperty(definition);
    return reply
      .code(201)
      .header('Location', `${ctx.baseUrl()}/crm/v3/properties/contacts/${definition.name}`)
      .send(definition);
  });
}

import type { FastifyInstance } from 'fastify';
import type { StoredContact } from './contact-store.js';
import { assertNoConflict, inputValues } from './contacts-routes.js';
import { iso, present, type HubspotContext } from './context.js';
import {
  HubspotApiError,
  batchTooLargeError,
  errorBody,
  notFoundError,
  standardError,
  validationError,
} from './errors.js';
import { DEFAULT_READ_PROPERTIES } from './property-definitions.js';

const BASE = '/crm/v3/objects/contacts/batch';
const MAX_INPUTS = 100;
const MAX_HISTORY_INPUTS = 50;

/** The `inputs` array of a batch body, at most 100 long. */
function batchInputs(body: unknown): unknown[] {
  const inputs = (body as { inputs?: unknown } | undefined)?.inputs;
  if (typeof body !== 'object' || body === null || !Array.isArray(inputs)) {
    throw validationError('Invalid input JSON: the body must be an object with an "inputs" array.');
  }
  if (inputs.length > MAX_INPUTS) throw batchTooLargeError();
  return inputs;
}

/**
 * The inputs' objectWriteTraceIds when every input carries one: that switches a batch write to multi-status (207)
 * answers with per-input errors (D-ERR). Without them the first bad input fails the whole request.
 */
function traceIdsOf(inputs: unknown[]): string[] | undefined {
  const ids = inputs.map((input) => (input as { objectWriteTraceId?: unknown } | null)?.objectWriteTraceId);
  return inputs.length > 0 && ids.every((id) => typeof id === 'string' && id !== '') ? (ids as string[]) : undefined;
}

function envelope(
  results: unknown[],
  errors: unknown[],
  startedAt: string,
  completedAt: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = { status: 'COMPLETE', results };
  if (errors.length > 0) Object.assign(body, { numErrors: errors.length, errors });
  return Object.assign(body, { startedAt, completedAt });
}

function duplicateInBatch(key: string): HubspotApiError {
  const [name, value] = key.split('\u0000');
  return new HubspotApiError(
    409,
    errorBody(
      'CONFLICT',
      `Duplicate value for unique property ${name} in this batch: "${value}" appears in more than one input. Send each contact once per batch.`,
    ),
  );
}

function idOf(input: unknown, index: number): string {
  const id = (input as { id?: unknown } | null)?.id;
  if (typeof id !== 'string' && typeof id !== 'number')
    throw validationError(`inputs[${index}].id is required (a record id or unique value).`);
  return String(id);
}

function assertUniqueIds(ids: string[]): void {
  const seen = new Set<string>();
  const duplicates = ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
  if (duplicates.length > 0)
    throw validationError(
      `Duplicate IDs found in batch input: [${[...new Set(duplicates)].join(', ')}]. IDs must be unique`,
    );
}

/**
 * Runs `prepare` for every input. Errors become per-input `StandardError`s when trace ids are present (multi-status),
 * otherwise the first one is thrown and nothing is written, because `apply` only runs after every input passed.
 */
function runBatch<T>(
  inputs: unknown[],
  traces: string[] | undefined,
  prepare: (input: unknown, index: number, batchKeys: Set<string>) => T,
  apply: (prepared: T) => Record<string, unknown>,
  extraContext: (index: number) => Record<string, string[]> = () => ({}),
): { results: Record<string, unknown>[]; errors: Record<string, unknown>[] } {
  const batchKeys = new Set<string>();
  const prepared: T[] = [];
  const errors: Record<string, unknown>[] = [];
  inputs.forEach((input, index) => {
    try {
      prepared.push(prepare(input, index, batchKeys));
    } catch (error) {
      if (!(error instanceof HubspotApiError)) throw error;
      if (!traces && error.statusCode !== 404) throw error;
      const trace: Record<string, string[]> = traces ? { objectWriteTraceId: [traces[index]] } : {};
      errors.push(standardError(error, { ...extraContext(index), ...trace }));
    }
  });
  return { results: prepared.map(apply), errors };
}

function claimKeys(keys: string[], batchKeys: Set<string>): void {
  const taken = keys.find((key) => batchKeys.has(key));
  if (taken !== undefined) throw duplicateInBatch(taken);
  for (const key of keys) batchKeys.add(key);
}

/** `idProperty` of an input, else of the body or query (the generic objects API takes it as a query parameter). */
function idPropertyOf(input: unknown, fallback: unknown): string {
  const own = (input as { idProperty?: unknown } | null)?.idProperty;
  return typeof own === 'string' ? own : typeof fallback === 'string' ? fallback : 'hs_object_id';
}

/** batch/create, batch/upsert, batch/update, batch/read and batch/archive. */
export function batchRoutes(app: FastifyInstance, ctx: HubspotContext): void {
  const { store } = ctx;

  app.post(`${BASE}/create`, async (request, reply) => {
    const startedAt = iso(ctx.now());
    const inputs = batchInputs(request.body);
    const traces = traceIdsOf(inputs);
    const { results, errors } = runBatch(
      inputs,
      traces,
      (input, index, batchKeys) => {
        const values = inputValues(store, input, `inputs[${index}]`);
        assertNoConflict(store, values);
        claimKeys(store.uniqueKeys(values), batchKeys);
        return { values, trace: traces?.[index] };
      },
      ({ values, trace }) => present(store, store.create(values, iso(ctx.now())), 'all', { objectWriteTraceId: trace }),
    );
    return reply.code(errors.length > 0 ? 207 : 201).send(envelope(results, errors, startedAt, iso(ctx.now())));
  });

  // Validation failures in upsert: per-input 207 errors when every input has an objectWriteTraceId, else the whole
  // batch fails with 400 and nothing is written. HubSpot documents neither (the reference marks per-item 207 for
  // upsert validation errors UNVERIFIED; one observed batch write failed whole with 400), so this mirrors batch/create.
  app.post(`${BASE}/upsert`, async (request, reply) => {
    const startedAt = iso(ctx.now());
    const inputs = batchInputs(request.body);
    const traces = traceIdsOf(inputs);
    const fallback =
      (request.query as Record<string, unknown>).idProperty ?? (request.body as Record<string, unknown>).idProperty;
    const ids = inputs.map(idOf);
    const idProperties = inputs.map((input) => idPropertyOf(input, fallback));
    for (const idProperty of new Set(idProperties)) {
      if (!store.isUniqueProperty(idProperty))
        throw validationError('Unable to perform update/upsert by non-unique 0-1 property');
    }
    assertUniqueIds(ids.map((id, i) => (idProperties[i] === 'email' ? id.trim().toLowerCase() : id)));
    const { results, errors } = runBatch(
      inputs,
      traces,
      (input, index, batchKeys) => {
        const idProperty = idProperties[index];
        const raw = (input as { properties?: unknown }).properties;
        const byValue = idProperty !== 'hs_object_id';
        // The id is the idProperty's value: a new contact gets it, and an invalid one (a bad email) is reported.
        let merged: unknown = raw;
        if (byValue && raw === undefined) merged = { [idProperty]: ids[index] };
        else if (byValue && typeof raw === 'object' && raw !== null && !Array.isArray(raw))
          merged = { ...raw, [idProperty]: ids[index] };
        const values = store.normalize(merged);
        const existing = store.find(idProperty, ids[index]);
        if (!existing && !byValue)
          throw notFoundError('Object not found.  objectId are usually numeric.', { ids: [ids[index]] });
        assertNoConflict(store, values, existing?.id);
        claimKeys(store.uniqueKeys(values), batchKeys);
        return { values, existing, trace: traces?.[index] };
      },
      ({ values, existing, trace }) => {
        const now = iso(ctx.now());
        const contact = existing ? store.update(existing, values, now) : store.create(values, now);
        return present(store, contact, 'all', { isNew: !existing, objectWriteTraceId: trace });
      },
    );
    return reply.code(errors.length > 0 ? 207 : 200).send(envelope(results, errors, startedAt, iso(ctx.now())));
  });

  app.post(`${BASE}/update`, async (request, reply) => {
    const startedAt = iso(ctx.now());
    const inputs = batchInputs(request.body);
    const traces = traceIdsOf(inputs);
    const fallback = (request.query as Record<string, unknown>).idProperty;
    const ids = inputs.map(idOf);
    const idProperties = inputs.map((input) => idPropertyOf(input, fallback));
    // Updates address records by id; HubSpot refuses email here (hubspot-api-nodejs#548) but takes custom unique ones.
    for (const idProperty of new Set(idProperties)) {
      if (idProperty === 'email' || !store.isUniqueProperty(idProperty)) {
        throw validationError('Unable to perform update/upsert by non-unique 0-1 property');
      }
    }
    assertUniqueIds(ids);
    const { results, errors } = runBatch(
      inputs,
      traces,
      (input, index, batchKeys) => {
        const values = store.normalize((input as { properties?: unknown }).properties);
        const existing = store.find(idProperties[index], ids[index]);
        // A missing record is always a per-input 207 error, with or without trace ids.
        if (!existing) throw notFoundError('Object not found.  objectId are usually numeric.', { ids: [ids[index]] });
        assertNoConflict(store, values, existing.id);
        claimKeys(store.uniqueKeys(values), batchKeys);
        return { values, existing, trace: traces?.[index] };
      },
      ({ values, existing, trace }) =>
        present(store, store.update(existing, values, iso(ctx.now())), 'all', { objectWriteTraceId: trace }),
    );
    return reply.code(errors.length > 0 ? 207 : 200).send(envelope(results, errors, startedAt, iso(ctx.now())));
  });

  app.post(`${BASE}/read`, async (request, reply) => {
    const startedAt = iso(ctx.now());
    const body = request.body as Record<string, unknown>;
    const inputs = batchInputs(body);
    const withHistory =
      Array.isArray(body.propertiesWithHistory) && body.propertiesWithHistory.length > 0
        ? body.propertiesWithHistory.map(String)
        : undefined;
    if (withHistory && inputs.length > MAX_HISTORY_INPUTS) {
      throw validationError(
        `The maximum number of inputs supported in a batch request for property histories is ${MAX_HISTORY_INPUTS}`,
      );
    }
    const idProperty = typeof body.idProperty === 'string' ? body.idProperty : 'hs_object_id';
    if (!store.isUniqueProperty(idProperty)) {
      throw validationError(
        `Unable to read by non-unique 0-1 property ${idProperty}; use email, hs_object_id or a property created with hasUniqueValue.`,
      );
    }
    const archived = (request.query as Record<string, unknown>).archived === 'true';
    const selection =
      Array.isArray(body.properties) && body.properties.length > 0
        ? body.properties.map(String)
        : DEFAULT_READ_PROPERTIES;
    const found = new Map<string, StoredContact>();
    const missing: string[] = [];
    inputs.forEach((input, index) => {
      const id = idOf(input, index);
      const contact = archived ? store.get(id) : store.find(idProperty, id);
      if (contact && contact.archived === archived) found.set(contact.id, contact);
      else missing.push(id);
    });
    const results = [...found.values()].map((contact) => present(store, contact, selection, { withHistory }));
    const errors =
      missing.length === 0
        ? []
        : [
            {
              status: 'error',
              category: 'OBJECT_NOT_FOUND',
              message:
                'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
              context: { ids: missing },
              errors: [],
              links: {},
            },
          ];
    return reply.code(errors.length > 0 ? 207 : 200).send(envelope(results, errors, startedAt, iso(ctx.now())));
  });

  app.post(`${BASE}/archive`, async (request, reply) => {
    const inputs = batchInputs(request.body);
    const ids = inputs.map(idOf);
    const now = iso(ctx.now());
    for (const id of ids) store.archive(id, now);
    return reply.code(204).send();
  });
}

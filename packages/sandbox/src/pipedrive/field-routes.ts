/**
 * /personFields: list, get, create and rename custom person fields, and add options to `enum`/`set` fields. Bodies are
 * checked against the spec's request schemas; where it is silent the stand-in refuses what would most likely be a client
 * bug: unknown body keys, and an option label the field already has (the call is atomic: all options or none).
 */
import type { FastifyInstance } from 'fastify';
import type { PipedriveContext } from './context.js';
import { decodeCursor, encodeCursor, readLimit } from './cursor.js';
import { notFoundError, validationError } from './errors.js';
import {
  CREATABLE_TYPES,
  OPTION_TYPES,
  newFieldKey,
  parseFieldNamespaces,
  presentField,
  type StoredField,
} from './fields.js';
import { pipedriveTime } from './person-input.js';

type Query = Record<string, string | undefined>;
const SETTINGS = ['ui_visibility', 'important_fields', 'required_fields'] as const;

function namespaces(query: Query): string[] {
  try {
    return parseFieldNamespaces(query.include_fields);
  } catch (error) {
    throw validationError(`Validation failed: ${(error as Error).message}`);
  }
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw validationError('Validation failed: the body must be a JSON object');
  return body as Record<string, unknown>;
}

function checkName(value: unknown, errors: string[]): void {
  if (typeof value !== 'string' || value.trim().length < 1 || value.length > 255)
    errors.push('field_name: must be a string of 1 to 255 characters');
}

/** Option labels to add: 1..255 characters, none twice and none the field already has (case-insensitive). */
function readLabels(value: unknown, existing: readonly string[], errors: string[]): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    errors.push('options: must be a non-empty array of objects like {"label": "Referral"}');
    return [];
  }
  const seen = new Set(existing.map((l) => l.toLowerCase()));
  const labels: string[] = [];
  value.forEach((option, i) => {
    const label = (option as { label?: unknown } | null)?.label;
    if (typeof label !== 'string' || label.trim().length < 1 || label.length > 255) {
      errors.push(`options[${i}].label: must be a string of 1 to 255 characters`);
    } else if (seen.has(label.trim().toLowerCase())) {
      errors.push(`options[${i}].label: "${label}" is already an option of this field`);
    } else {
      seen.add(label.trim().toLowerCase());
      labels.push(label.trim());
    }
  });
  return labels;
}

function settings(
  input: Record<string, unknown>,
  errors: string[],
): Partial<Pick<StoredField, (typeof SETTINGS)[number]>> {
  const out: Partial<Pick<StoredField, (typeof SETTINGS)[number]>> = {};
  for (const key of SETTINGS) {
    const value = input[key];
    if (value === undefined) continue;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) errors.push(`${key}: must be an object`);
    else out[key] = structuredClone(value as Record<string, unknown>);
  }
  return out;
}

function customOr404(ctx: PipedriveContext, code: string): StoredField {
  const field = ctx.store.field(code);
  if (!field) throw notFoundError('Field');
  if (!field.is_custom_field)
    throw validationError(
      `Validation failed: field_code: "${code}" is a system field; only custom fields can be changed`,
    );
  return field;
}

export function fieldRoutes(app: FastifyInstance, ctx: PipedriveContext): void {
  app.get('/api/v2/personFields', async (request) => {
    const query = request.query as Query;
    const limit = readLimit(query.limit);
    const include = namespaces(query);
    const offset = query.cursor
      ? decodeCursor<{ offset: number }>(query.cursor, (c) => Number.isInteger(c.offset) && (c.offset as number) >= 0)
          .offset
      : 0;
    const all = ctx.store.fields();
    const page = all.slice(offset, offset + limit);
    const next = offset + limit < all.length ? encodeCursor({ offset: offset + limit }) : null;
    return { success: true, data: page.map((f) => presentField(f, include)), additional_data: { next_cursor: next } };
  });

  app.get<{ Params: { field_code: string } }>('/api/v2/personFields/:field_code', async (request) => {
    const field = ctx.store.field(request.params.field_code);
    if (!field) throw notFoundError('Field');
    return { success: true, data: presentField(field, namespaces(request.query as Query)) };
  });

  app.post('/api/v2/personFields', async (request) => {
    const input = objectBody(request.body);
    const errors: string[] = [];
    for (const key of Object.keys(input))
      if (!['field_name', 'field_type', 'options', ...SETTINGS].includes(key)) errors.push(`${key}: is not allowed`);
    checkName(input.field_name, errors);
    const type = input.field_type as string;
    if (!(CREATABLE_TYPES as readonly string[]).includes(type))
      errors.push(`field_type: must be one of ${CREATABLE_TYPES.join(', ')}`);
    let labels: string[] = [];
    if (OPTION_TYPES.has(type)) labels = readLabels(input.options, [], errors);
    else if (input.options !== undefined) errors.push(`options: only enum and set fields have options`);
    const extra = settings(input, errors);
    if (errors.length > 0) throw validationError(`Validation failed: ${errors.join('; ')}`);
    const time = pipedriveTime(ctx.clock.now());
    const field: StoredField = {
      field_code: newFieldKey(),
      field_name: (input.field_name as string).trim(),
      field_type: type,
      is_custom_field: true,
      options: OPTION_TYPES.has(type) ? labels.map((label) => ctx.store.newOption(label, time)) : null,
      ui_visibility: {
        add_visible_flag: false,
        details_visible_flag: true,
        show_in_add_deal_dialog: { show: false, order: null },
      },
      important_fields: { enabled: false, stage_ids: [] },
      required_fields: { enabled: false },
      add_time: time,
      ...extra,
    };
    ctx.store.addField(field);
    return { success: true, data: presentField(field, [...SETTINGS]) };
  });

  app.patch<{ Params: { field_code: string } }>('/api/v2/personFields/:field_code', async (request) => {
    const field = customOr404(ctx, request.params.field_code);
    const input = objectBody(request.body);
    const errors: string[] = [];
    if (Object.keys(input).length === 0)
      errors.push('the body must set at least one of field_name, ui_visibility, important_fields, required_fields');
    for (const key of Object.keys(input)) {
      if (key === 'field_code' || key === 'field_type') errors.push(`${key}: cannot be changed`);
      else if (key !== 'field_name' && !(SETTINGS as readonly string[]).includes(key))
        errors.push(`${key}: is not allowed`);
    }
    if (input.field_name !== undefined) checkName(input.field_name, errors);
    const extra = settings(input, errors);
    if (errors.length > 0) throw validationError(`Validation failed: ${errors.join('; ')}`);
    if (input.field_name !== undefined) field.field_name = (input.field_name as string).trim();
    for (const key of SETTINGS) if (extra[key]) field[key] = { ...field[key], ...extra[key] };
    ctx.store.touch();
    return { success: true, data: presentField(field, [...SETTINGS]) };
  });

  app.post<{ Params: { field_code: string } }>('/api/v2/personFields/:field_code/options', async (request) => {
    const field = customOr404(ctx, request.params.field_code);
    if (!OPTION_TYPES.has(field.field_type)) {
      throw validationError(
        `Validation failed: field "${field.field_name}" is of type ${field.field_type}; only enum and set fields have options`,
      );
    }
    const errors: string[] = [];
    const labels = readLabels(
      request.body,
      (field.options ?? []).map((o) => o.label),
      errors,
    );
    if (errors.length > 0) throw validationError(`Validation failed: ${errors.join('; ')}`);
    const time = pipedriveTime(ctx.clock.now());
    const added = labels.map((label) => ctx.store.newOption(label, time));
    field.options = [...(field.options ?? []), ...added];
    ctx.store.touch();
    return { success: true, data: added.map((o) => ({ id: o.id, label: o.label })), additional_data: null };
  });
}

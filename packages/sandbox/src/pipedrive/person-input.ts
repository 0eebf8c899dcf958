/**
 * Checks a POST or PATCH /persons body against the v2 request schema and the company's custom fields, collecting every
 * problem into one 400 ("Validation failed: a; b"), and turns it into stored values. Where the spec is silent the
 * stand-in is the stricter plausible API: unknown top-level keys are refused (a v1-style custom field key at the top
 * level would otherwise vanish silently), `name` is required on create (the v2 docs mark it required; this copy of the
 * spec does not), and at most one email or phone may be primary.
 */
import type { StoredField } from './fields.js';
import type { Contact, PersonStore, StoredPerson } from './store.js';
import { validationError } from './errors.js';

const BODY_KEYS = new Set([
  'name',
  'owner_id',
  'org_id',
  'add_time',
  'update_time',
  'emails',
  'phones',
  'visible_to',
  'label_ids',
  'marketing_status',
  'custom_fields',
]);
const MARKETING = ['no_consent', 'unsubscribed', 'subscribed', 'archived'];
/** Pipedrive's visibility levels: owner only, owner's group, owner's group and sub-groups, entire company. */
const VISIBILITY = [1, 3, 5, 7];

export type PersonChanges = Partial<Omit<StoredPerson, 'id' | 'is_deleted'>>;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** `2021-01-01T00:00:00Z`: the spec's examples write times without milliseconds. */
export function pipedriveTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function contacts(key: 'emails' | 'phones', value: unknown, errors: string[]): Contact[] | undefined {
  if (!Array.isArray(value)) {
    errors.push(`${key}: must be an array of objects like {"value": "...", "primary": true, "label": "work"}`);
    return undefined;
  }
  const result: Contact[] = [];
  value.forEach((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      errors.push(`${key}[${i}]: must be an object like {"value": "...", "primary": true, "label": "work"}`);
      return;
    }
    const { value: v, primary, label, ...rest } = item as Record<string, unknown>;
    if (typeof v !== 'string' || v.trim() === '') errors.push(`${key}[${i}].value: must be a non-empty string`);
    if (primary !== undefined && typeof primary !== 'boolean') errors.push(`${key}[${i}].primary: must be a boolean`);
    if (label !== undefined && typeof label !== 'string') errors.push(`${key}[${i}].label: must be a string`);
    for (const extra of Object.keys(rest)) errors.push(`${key}[${i}].${extra}: is not allowed`);
    if (typeof v === 'string')
      result.push({ value: v.trim(), primary: primary === true, label: typeof label === 'string' ? label : 'work' });
  });
  const primaries = result.filter((c) => c.primary).length;
  if (primaries > 1) errors.push(`${key}: only one item may be primary`);
  // Like the web app, the first address becomes primary when none is marked.
  if (primaries === 0 && result.length > 0) result[0].primary = true;
  return result;
}

function optionId(field: StoredField, value: unknown): boolean {
  return isInt(value) && (field.options ?? []).some((o) => o.id === value);
}

/** Whether `value` fits a custom field of `field.field_type`; the message says what would. */
function customValueError(field: StoredField, value: unknown): string | undefined {
  if (value === null) return undefined;
  const key = `custom_fields.${field.field_code}`;
  switch (field.field_type) {
    case 'varchar':
    case 'varchar_auto':
    case 'text':
    case 'phone':
      if (typeof value !== 'string')
        return `${key}: must be a string (field "${field.field_name}" is ${field.field_type})`;
      if (field.field_type !== 'text' && value.length > 255) return `${key}: must be at most 255 characters`;
      return undefined;
    case 'double':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `${key}: must be a number`;
    case 'monetary':
      if (typeof value === 'number') return undefined;
      return typeof value === 'object' && typeof (value as { value?: unknown }).value === 'number'
        ? undefined
        : `${key}: must be a number or {"value": number, "currency": "EUR"}`;
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)
        ? undefined
        : `${key}: must be a date YYYY-MM-DD`;
    case 'time':
      return typeof value === 'string' && /^\d{2}:\d{2}(:\d{2})?$/.test(value)
        ? undefined
        : `${key}: must be a time HH:MM:SS`;
    case 'enum':
      return optionId(field, value)
        ? undefined
        : `${key}: must be the id of one of the field's options (${(field.options ?? []).map((o) => `${o.id} ${o.label}`).join(', ')})`;
    case 'set':
      if (!Array.isArray(value) || value.length === 0)
        return `${key}: must be a non-empty array of option ids (send null to clear)`;
      return value.every((v) => optionId(field, v))
        ? undefined
        : `${key}: every item must be the id of one of the field's options`;
    case 'org':
    case 'people':
    case 'user':
      return isInt(value) ? undefined : `${key}: must be an integer id`;
    default:
      return undefined;
  }
}

/** Validates `body`; throws one 400 listing every problem, else returns the changes to apply. */
export function readPersonBody(store: PersonStore, body: unknown, mode: 'create' | 'update'): PersonChanges {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationError('Validation failed: the body must be a JSON object');
  }
  const input = body as Record<string, unknown>;
  const errors: string[] = [];
  const changes: PersonChanges = {};
  for (const key of Object.keys(input))
    if (!BODY_KEYS.has(key))
      errors.push(`${key}: is not a person field (custom fields go inside "custom_fields" by their 40-character key)`);

  if (input.name !== undefined) {
    if (typeof input.name !== 'string' || input.name.trim() === '') errors.push('name: must be a non-empty string');
    else changes.name = input.name.trim();
  } else if (mode === 'create') errors.push('name: is required');
  for (const key of ['owner_id', 'org_id'] as const) {
    const value = input[key];
    if (value === undefined) continue;
    if (key === 'org_id' && value === null) changes.org_id = null;
    else if (!isInt(value) || value < 1) errors.push(`${key}: must be a positive integer`);
    else changes[key] = value;
  }
  for (const key of ['add_time', 'update_time'] as const) {
    const value = input[key];
    if (value === undefined) continue;
    const ms = typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isNaN(ms)) errors.push(`${key}: must be a date-time in RFC 3339 format, e.g. 2025-01-01T10:20:00Z`);
    else changes[key] = pipedriveTime(ms);
  }
  for (const key of ['emails', 'phones'] as const) {
    if (input[key] === undefined) continue;
    const list = contacts(key, input[key], errors);
    if (list) changes[key] = list;
  }
  if (input.visible_to !== undefined) {
    if (!VISIBILITY.includes(input.visible_to as number))
      errors.push(`visible_to: must be one of ${VISIBILITY.join(', ')}`);
    else changes.visible_to = input.visible_to as number;
  }
  if (input.label_ids !== undefined) {
    if (!Array.isArray(input.label_ids) || !input.label_ids.every(isInt))
      errors.push('label_ids: must be an array of integers');
    else changes.label_ids = [...input.label_ids];
  }
  if (input.marketing_status !== undefined) {
    if (!MARKETING.includes(input.marketing_status as string))
      errors.push(`marketing_status: must be one of ${MARKETING.join(', ')}`);
    else changes.marketing_status = input.marketing_status as string;
  }
  if (input.custom_fields !== undefined) {
    const custom = input.custom_fields;
    if (typeof custom !== 'object' || custom === null || Array.isArray(custom)) {
      errors.push('custom_fields: must be an object keyed by custom field key');
    } else {
      const values: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(custom)) {
        const field = store.customField(key);
        if (!field) {
          errors.push(
            `custom_fields.${key}: is not a custom person field of this company (GET /api/v2/personFields lists their keys)`,
          );
          continue;
        }
        const problem = customValueError(field, value);
        if (problem) errors.push(problem);
        else values[key] = value;
      }
      changes.custom_fields = values;
    }
  }
  if (errors.length > 0) throw validationError(`Validation failed: ${errors.join('; ')}`);
  return changes;
}

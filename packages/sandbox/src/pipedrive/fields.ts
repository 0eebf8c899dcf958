/**
 * Person fields: the built-in ones a company starts with (codes as the v2 field API names them, `name`, `phone`, …) and
 * custom ones, addressed by a generated 40-character hex key, with options (ids from one company-wide counter) for the
 * `enum` and `set` types.
 */
import { randomBytes } from 'node:crypto';

export interface FieldOption {
  id: number;
  label: string;
  color: string | null;
  add_time: string;
  update_time: string;
}

export interface StoredField {
  field_code: string;
  field_name: string;
  field_type: string;
  is_custom_field: boolean;
  options: FieldOption[] | null;
  ui_visibility: Record<string, unknown>;
  important_fields: Record<string, unknown>;
  required_fields: Record<string, unknown>;
  add_time?: string;
}

/** Types `POST /personFields` accepts (the spec's enum). */
export const CREATABLE_TYPES = [
  'varchar',
  'text',
  'double',
  'phone',
  'date',
  'daterange',
  'time',
  'timerange',
  'set',
  'enum',
  'varchar_auto',
  'address',
  'monetary',
  'org',
  'people',
  'user',
] as const;

export const OPTION_TYPES = new Set(['enum', 'set']);

/** A custom field key like Pipedrive's: 40 lowercase hex characters (a SHA-1-sized random hash). */
export function newFieldKey(): string {
  return randomBytes(20).toString('hex');
}

function builtIn(field_code: string, field_name: string, field_type: string): StoredField {
  return {
    field_code,
    field_name,
    field_type,
    is_custom_field: false,
    options: null,
    ui_visibility: {
      add_visible_flag: true,
      details_visible_flag: true,
      show_in_add_deal_dialog: { show: false, order: null },
    },
    important_fields: { enabled: false, stage_ids: [] },
    required_fields: { enabled: field_code === 'name' },
  };
}

/** The system fields of a new company's persons (a subset: the ones this stand-in stores). */
export function builtInFields(): StoredField[] {
  return [
    builtIn('name', 'Name', 'varchar'),
    builtIn('first_name', 'First name', 'varchar'),
    builtIn('last_name', 'Last name', 'varchar'),
    builtIn('phone', 'Phone', 'phone'),
    builtIn('email', 'Email', 'varchar'),
    builtIn('org_id', 'Organization', 'org'),
    builtIn('owner_id', 'Owner', 'user'),
    builtIn('label_ids', 'Labels', 'set'),
    builtIn('visible_to', 'Visible to', 'visible_to'),
    builtIn('add_time', 'Person created', 'date'),
    builtIn('update_time', 'Update time', 'date'),
  ];
}

/** `include_fields` namespaces a field answer may carry; without them only the base keys are sent. */
const NAMESPACES = ['ui_visibility', 'important_fields', 'required_fields'] as const;

/** A field in the spec's answer shape; `subfields` is null as the stand-in has no address/monetary subfields. */
export function presentField(field: StoredField, include: readonly string[] = []): Record<string, unknown> {
  const result: Record<string, unknown> = {
    field_name: field.field_name,
    field_code: field.field_code,
    field_type: field.field_type,
    options: field.options ? field.options.map((o) => ({ ...o })) : null,
    subfields: null,
    is_custom_field: field.is_custom_field,
    is_optional_response_field: false,
  };
  for (const ns of NAMESPACES) if (include.includes(ns)) result[ns] = structuredClone(field[ns]);
  return result;
}

/** Parses `include_fields` (comma-separated namespaces); throws a message on an unknown one. */
export function parseFieldNamespaces(value: unknown): string[] {
  if (value === undefined || value === '') return [];
  const names = String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(NAMESPACES as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new Error(`include_fields: "${unknown.join(',')}" is not one of ${NAMESPACES.join(', ')}`);
  return names;
}

/**
 * Custom person fields: Pipedrive addresses them by a generated 40-character key and their options by id, so the sink
 * lists /personFields once per run, creates the `ensureFields` that are missing (and the options they lack), and maps
 * each field the config names to its key and its option labels to ids.
 */
import { ConfigError } from '@etl/core';
import type { PipedriveClient } from './client.js';
import type { FieldDefinition, PipedriveConfig } from './config.js';
import { COST } from './limits.js';

interface FieldData {
  field_code: string;
  field_name: string;
  field_type: string;
  is_custom_field?: boolean;
  options?: Array<{ id: number; label: string }> | null;
}

export interface MappedField {
  code: string;
  type: string;
  /** Option label → id, for enum and set fields. */
  options?: Map<string, number>;
  labels: Map<number, string>;
}

/** Field name → field, for the fields the config maps. */
export type FieldMap = Map<string, MappedField>;

const PATH = '/api/v2/personFields';

async function listFields(client: PipedriveClient): Promise<FieldData[]> {
  const all: FieldData[] = [];
  let cursor: string | undefined;
  do {
    const { data } = await client.request<FieldData[]>({
      method: 'GET',
      url: PATH,
      params: { limit: 500, cursor },
      cost: COST.listFields,
      retries: 'client',
    });
    all.push(...data.data);
    cursor = data.additional_data?.next_cursor ?? undefined;
  } while (cursor);
  return all;
}

/** Creates `wanted` or adds the options it lacks; returns what changed, for the log. */
async function ensureField(
  client: PipedriveClient,
  wanted: FieldDefinition,
  found: FieldData | undefined,
): Promise<{ field: FieldData; change?: string }> {
  const options = wanted.options ?? [];
  if (!found) {
    const { data } = await client.request<FieldData>({
      method: 'POST',
      url: PATH,
      data: {
        field_name: wanted.name,
        field_type: wanted.type,
        ...(options.length > 0 ? { options: options.map((label) => ({ label })) } : {}),
      },
      cost: COST.createField,
      retries: 'client',
    });
    return { field: data.data, change: `created "${wanted.name}" (${wanted.type})` };
  }
  const have = new Set((found.options ?? []).map((o) => o.label.toLowerCase()));
  const missing = options.filter((label) => !have.has(label.toLowerCase()));
  if (missing.length === 0) return { field: found };
  const { data } = await client.request<Array<{ id: number; label: string }>>({
    method: 'POST',
    url: `${PATH}/${encodeURIComponent(found.field_code)}/options`,
    data: missing.map((label) => ({ label })),
    cost: COST.addOptions,
    retries: 'client',
  });
  return {
    field: { ...found, options: [...(found.options ?? []), ...data.data] },
    change: `added options ${missing.join(', ')} to "${wanted.name}"`,
  };
}

/**
 * Lists the fields, creates what `ensureFields` asks for and maps every field `customFields` names; a mapped field
 * that does not exist is a config error before any person is written.
 */
export async function prepareFields(
  client: PipedriveClient,
  config: PipedriveConfig,
): Promise<{ fields: FieldMap; changes: string[] }> {
  const listed = await listFields(client);
  const byName = new Map(listed.filter((f) => f.is_custom_field !== false).map((f) => [f.field_name, f]));
  const changes: string[] = [];
  for (const wanted of config.ensureFields) {
    const { field, change } = await ensureField(client, wanted, byName.get(wanted.name));
    byName.set(wanted.name, field);
    if (change) changes.push(change);
  }
  const fields: FieldMap = new Map();
  const missing: string[] = [];
  for (const name of Object.keys(config.customFields)) {
    const field = byName.get(name);
    if (!field) {
      missing.push(name);
      continue;
    }
    const options = field.options ? new Map(field.options.map((o) => [o.label, o.id])) : undefined;
    fields.set(name, {
      code: field.field_code,
      type: field.field_type,
      options,
      labels: new Map((field.options ?? []).map((o) => [o.id, o.label])),
    });
  }
  if (missing.length > 0)
    throw new ConfigError(
      `Pipedrive has no custom person field named ${missing.map((m) => `"${m}"`).join(', ')}.`,
      [],
      {
        code: 'PIPEDRIVE_FIELD_MISSING',
        suggestions: [
          'Create the field in Pipedrive, fix the name under customFields, or add it to ensureFields to have it created.',
        ],
      },
    );
  return { fields, changes };
}

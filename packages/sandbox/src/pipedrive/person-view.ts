import type { PersonStore, StoredPerson } from './store.js';

/**
 * A person in the spec's `Person` shape. Every custom field of the company is listed in `custom_fields`, null when
 * empty, as v1 listed them at the top level (the spec only says the object is keyed by field key); `custom_fields=`
 * narrows the list. `org_id` and `picture_id` are null when unset, as Pipedrive sends them, though the spec types them
 * integer.
 */
export function presentPerson(
  store: PersonStore,
  person: StoredPerson,
  onlyCustom?: readonly string[],
): Record<string, unknown> {
  const custom: Record<string, unknown> = {};
  for (const field of store.customFields()) {
    if (onlyCustom && !onlyCustom.includes(field.field_code)) continue;
    custom[field.field_code] = person.custom_fields[field.field_code] ?? null;
  }
  const result: Record<string, unknown> = {
    id: person.id,
    name: person.name,
    first_name: person.first_name,
    last_name: person.last_name,
    owner_id: person.owner_id,
    org_id: person.org_id,
    add_time: person.add_time,
    update_time: person.update_time,
    emails: person.emails.map((e) => ({ ...e })),
    phones: person.phones.map((p) => ({ ...p })),
    is_deleted: person.is_deleted,
    visible_to: person.visible_to,
    label_ids: [...person.label_ids],
    picture_id: null,
    custom_fields: custom,
  };
  if (person.marketing_status !== undefined) result.marketing_status = person.marketing_status;
  return result;
}

/** Pipedrive splits `name` at the first space into first and last name. */
export function splitName(name: string): { first_name: string; last_name: string } {
  const space = name.indexOf(' ');
  return space < 0
    ? { first_name: name, last_name: '' }
    : { first_name: name.slice(0, space), last_name: name.slice(space + 1).trim() };
}

/**
 * Record → person. What is compared (the hash the ledger keeps) is the person as a reader sees it: name, email and
 * custom fields by field *name* and option *label*, so it does not depend on the generated keys and option ids of one
 * company, and a person listed back from Pipedrive hashes the same (see `heldPerson`).
 */
import { compileTemplate, hashRecord, type DataRecord } from '@etl/core';
import type { PipedriveConfig } from './config.js';
import type { FieldMap } from './fields.js';

/** A person as this sink compares it. */
export interface Person {
  name: string;
  email: string;
  custom: Record<string, string>;
}

export type Mapped = { ok: true; person: Person; identity: string; hash: string } | { ok: false; reason: string };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const personHash = (p: Person): string => hashRecord({ name: p.name, email: p.email, custom: p.custom });

export function createMapper(config: PipedriveConfig): (record: DataRecord) => Mapped {
  const name = compileTemplate(config.name);
  const email = compileTemplate(config.email);
  const custom = Object.entries(config.customFields).map(
    ([field, source]) => [field, compileTemplate(source)] as const,
  );
  return (record) => {
    const person: Person = { name: name(record).trim(), email: email(record).trim().toLowerCase(), custom: {} };
    if (!person.name) return { ok: false, reason: 'the name template rendered an empty name' };
    if (!EMAIL.test(person.email)) return { ok: false, reason: `"${person.email}" is not an email address` };
    for (const [field, render] of custom) {
      const value = render(record).trim();
      if (value !== '') person.custom[field] = value;
    }
    return { ok: true, person, identity: person.email, hash: personHash(person) };
  };
}

/** The POST/PATCH body; a value a field cannot take is a reason to reject the record. */
export function personBody(person: Person, fields: FieldMap): { body: Record<string, unknown> } | { reason: string } {
  const custom: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(person.custom)) {
    const field = fields.get(name);
    if (!field) return { reason: `no custom person field is named "${name}"` };
    if (field.options) {
      const labels = field.type === 'set' ? value.split(',').map((v) => v.trim()) : [value];
      const ids = labels.map((label) => field.options!.get(label));
      if (ids.some((id) => id === undefined))
        return {
          reason: `"${value}" is not an option of the field "${name}" (options: ${[...field.options.keys()].join(', ')})`,
        };
      custom[field.code] = field.type === 'set' ? ids : ids[0];
    } else custom[field.code] = field.type === 'double' ? Number(value) : value;
  }
  // Fields the sink maps but the record leaves empty are cleared, so an update makes the person equal the record.
  for (const [name, field] of fields) if (!(name in person.custom)) custom[field.code] = null;
  return {
    body: {
      name: person.name,
      emails: [{ value: person.email, primary: true, label: 'work' }],
      custom_fields: custom,
    },
  };
}

/** A listed Pipedrive person as this sink compares it: its primary (else first) email and the mapped fields. */
export function heldPerson(data: HeldData, fields: FieldMap): Person {
  const emails = data.emails ?? [];
  const email = (emails.find((e) => e.primary) ?? emails[0])?.value?.trim().toLowerCase() ?? '';
  const custom: Record<string, string> = {};
  for (const [name, field] of fields) {
    const raw = data.custom_fields?.[field.code];
    if (raw === null || raw === undefined || raw === '') continue;
    if (field.options) {
      const labelOf = (id: unknown) => field.labels.get(Number(id)) ?? String(id);
      custom[name] = Array.isArray(raw) ? raw.map(labelOf).join(',') : labelOf(raw);
    } else custom[name] = String(raw);
  }
  return { name: (data.name ?? '').trim(), email, custom };
}

/** The part of a v2 person this sink reads. */
export interface HeldData {
  id: number;
  name?: string;
  emails?: Array<{ value?: string; primary?: boolean }>;
  custom_fields?: Record<string, unknown>;
}

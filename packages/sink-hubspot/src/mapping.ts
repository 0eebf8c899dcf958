/**
 * Turns records into contacts: renders the property templates, derives the identity, and rejects what HubSpot would
 * refuse anyway (no identity, an enumeration value that is not an option) without spending a request on it.
 */
import { compileTemplate, hashRecord as hashProperties, type DataRecord } from '@etl/core';
import type { HubspotConfig } from './config.js';

export type Prepared =
  | { ok: true; identity: string; properties: Record<string, string>; hash: string }
  | { ok: false; reason: string };

export type Mapper = (record: DataRecord) => Prepared;

/** Compiles the `properties` templates once; the returned function maps one record. */
export function createMapper(config: HubspotConfig, enumValues: Map<string, Set<string>>): Mapper {
  const templates = Object.entries(config.properties).map(
    ([property, source]) => [property, compileTemplate(source, { name: `config.properties.${property}` })] as const,
  );
  const { idProperty } = config;
  // HubSpot matches emails case-insensitively; one spelling keeps the ledger and the upsert key in step.
  const normalise =
    idProperty === 'email' ? (value: string) => value.trim().toLowerCase() : (value: string) => value.trim();

  return (record) => {
    const properties: Record<string, string> = {};
    for (const [property, render] of templates) properties[property] = render(record);
    // HubSpot stores email trimmed and lowercased; sending it so keeps the ledger's hash equal to what a read-back
    // (reconcile) hashes to, also when email is not the idProperty.
    if (properties.email !== undefined) properties.email = properties.email.trim().toLowerCase();
    const identity = normalise(properties[idProperty] ?? '');
    if (identity === '')
      return {
        ok: false,
        reason: `The ${idProperty} template rendered an empty value, so the contact has no identity.`,
      };
    properties[idProperty] = identity;
    for (const [property, allowed] of enumValues) {
      const value = properties[property];
      if (value !== undefined && value !== '' && !allowed.has(value)) {
        return {
          ok: false,
          reason: `"${value}" is not an option of the HubSpot enumeration property ${property} (options: ${[...allowed].join(', ')}).`,
        };
      }
    }
    return { ok: true, identity, properties, hash: hashProperties(properties) };
  };
}

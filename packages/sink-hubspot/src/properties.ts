/**
 * Makes sure every property the mapping writes exists before any contact is written: creates the missing ones listed
 * in `ensureProperties` through the Properties API, then checks the whole mapping against HubSpot's property list.
 */
import { ConfigError, FatalError } from '@etl/core';
import type { HubspotClient } from './client.js';
import { HubspotRequestError } from './client.js';
import type { HubspotConfig, PropertyDefinition } from './config.js';

/** The part of a HubSpot `Property` this sink uses. */
export interface PropertyInfo {
  name: string;
  type: string;
  hasUniqueValue?: boolean;
  options?: Array<{ value: string }>;
  modificationMetadata?: { readOnlyValue?: boolean };
  calculated?: boolean;
}

export interface PropertyPlan {
  /** Properties created now (or, in a dry run, that would be). */
  created: string[];
  /** For enumerations: the values HubSpot accepts, so bad values are rejected before a request is spent on them. */
  enumValues: Map<string, Set<string>>;
}

/**
 * PropertyCreate body. The schema's defaults (`groupName`, an option's `hidden`) are already in `definition`; an
 * option's `displayOrder` defaults to its position, which a schema cannot say.
 */
export function propertyBody(definition: PropertyDefinition): PropertyDefinition {
  if (!definition.options) return definition;
  return {
    ...definition,
    options: definition.options.map((option, index) => ({ displayOrder: index + 1, ...option })),
  };
}

export async function listProperties(client: HubspotClient, object: string): Promise<Map<string, PropertyInfo>> {
  const response = await client.request<{ results: PropertyInfo[] }>(
    'GET',
    `/crm/v3/properties/${object}?archived=false`,
  );
  return new Map((response.data.results ?? []).map((property) => [property.name, property]));
}

/**
 * Creates the missing `ensureProperties` (unless `dryRun`) and checks that every mapped property exists, is
 * writable, and that `idProperty` is unique. Throws a `ConfigError` naming every problem at once.
 */
export async function ensureProperties(
  client: HubspotClient,
  config: HubspotConfig,
  dryRun: boolean,
): Promise<PropertyPlan> {
  const existing = await listProperties(client, config.object);
  const created: string[] = [];
  for (const definition of config.ensureProperties) {
    if (existing.has(definition.name)) continue;
    if (dryRun) {
      created.push(definition.name);
      existing.set(definition.name, {
        name: definition.name,
        type: definition.type,
        options: definition.options,
        hasUniqueValue: definition.hasUniqueValue,
      });
      continue;
    }
    const body = propertyBody(definition);
    try {
      const response = await client.request<PropertyInfo>('POST', `/crm/v3/properties/${config.object}`, body);
      existing.set(
        definition.name,
        response.data ?? { name: definition.name, type: definition.type, options: body.options },
      );
      created.push(definition.name);
    } catch (error) {
      // Another run created it between our list and our create: that is what we wanted.
      if (error instanceof HubspotRequestError && error.status === 409) {
        existing.set(definition.name, { name: definition.name, type: definition.type, options: body.options });
        continue;
      }
      if (error instanceof HubspotRequestError) {
        throw new ConfigError(
          `HubSpot refused to create the property "${definition.name}": ${error.body.message ?? error.message}`,
          [],
          {
            code: 'HUBSPOT_PROPERTY_INVALID',
            suggestions: [
              'Fix the entry in `ensureProperties` (type/fieldType pairs, enumeration options) and run again.',
            ],
          },
        );
      }
      throw error;
    }
  }

  const problems: string[] = [];
  const mapped = Object.keys(config.properties);
  if (!mapped.includes(config.idProperty))
    problems.push(`idProperty "${config.idProperty}" is not mapped in \`properties\``);
  for (const name of mapped) {
    const property = existing.get(name);
    if (!property) problems.push(`property "${name}" does not exist in HubSpot`);
    else if (property.modificationMetadata?.readOnlyValue || property.calculated)
      problems.push(`property "${name}" is read-only`);
  }
  const id = existing.get(config.idProperty);
  if (id && config.idProperty !== 'email' && !id.hasUniqueValue) {
    problems.push(
      `idProperty "${config.idProperty}" is not a unique property, so it cannot identify contacts in batch/upsert`,
    );
  }
  if (problems.length > 0) {
    throw new ConfigError(`The HubSpot property mapping cannot be written: ${problems.join('; ')}.`, [], {
      code: 'HUBSPOT_PROPERTY_MISSING',
      suggestions: [
        'Add the missing properties to `ensureProperties` (they are then created before the first write), or create them in HubSpot.',
        'Map only writable properties, and use `email` or a property with unique values as `idProperty`.',
      ],
      context: { problems },
    });
  }

  const enumValues = new Map<string, Set<string>>();
  for (const name of mapped) {
    const property = existing.get(name);
    if (property?.type === 'enumeration' && property.options?.length)
      enumValues.set(name, new Set(property.options.map((option) => option.value)));
  }
  return { created, enumValues };
}

/** Guards against a HubSpot answer that names a missing property mid-run (someone deleted it): never bisect that. */
export function isMissingPropertyError(error: unknown): boolean {
  return (
    error instanceof HubspotRequestError &&
    /PROPERTY_DOESNT_EXIST|does not exist/i.test(error.body.message ?? '') &&
    !/INVALID_EMAIL/.test(error.body.message ?? '')
  );
}

export function missingPropertyFatal(error: HubspotRequestError): FatalError {
  return new FatalError(`HubSpot says a mapped property no longer exists: ${error.body.message ?? error.message}`, {
    code: 'HUBSPOT_PROPERTY_MISSING',
    suggestions: ['Recreate the property (list it in `ensureProperties`) and run again to resume.'],
  });
}

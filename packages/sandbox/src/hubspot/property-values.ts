import { propertyValueError, propertyValuesError, validationError, type PropertyValueError } from './errors.js';
import type { PropertyDefinition } from './property-definitions.js';

/** Loose on purpose: HubSpot rejects "example.lcom" but accepts most shapes with one @ and a dotted domain. */
// RFC 5322 dot-atom local part (no leading, trailing or doubled dot) and a dotted host name, as HubSpot checks.
const EMAIL =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$/;
const MAX_STRING = 65_536;

/**
 * Checks the `properties` of a write against the property definitions and returns the values as strings (an empty
 * string clears a value). Every bad value is reported at once as HubSpot does: 400 VALIDATION_ERROR
 * "Property values were not valid: [...]" with PROPERTY_DOESNT_EXIST, READ_ONLY_VALUE, INVALID_EMAIL, INVALID_OPTION,
 * INVALID_INTEGER, INVALID_BOOLEAN, INVALID_DATE or INVALID_LONG_STRING inside.
 */
export function normalizeValues(
  raw: unknown,
  lookup: (name: string) => PropertyDefinition | undefined,
  portalId: number,
): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw validationError('Invalid input JSON: "properties" must be an object of property names to string values.');
  }
  const errors: PropertyValueError[] = [];
  const values: Record<string, string> = {};
  for (const [name, rawValue] of Object.entries(raw as Record<string, unknown>)) {
    const definition = lookup(name);
    if (!definition) {
      errors.push(propertyValueError(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`, portalId));
      continue;
    }
    if (definition.modificationMetadata.readOnlyValue) {
      errors.push(
        propertyValueError(
          name,
          'READ_ONLY_VALUE',
          `"${name}" is a read only property; its value cannot be set.`,
          portalId,
        ),
      );
      continue;
    }
    // JSON numbers and booleans are accepted and stored as text, like HubSpot; null clears like "".
    if (rawValue !== null && typeof rawValue === 'object') {
      errors.push(
        propertyValueError(
          name,
          'INVALID_PROPERTY_VALUE',
          `${JSON.stringify(rawValue)} is not a valid value for ${name}; send a string`,
          portalId,
        ),
      );
      continue;
    }
    const value = rawValue === null ? '' : String(rawValue);
    const problem = value === '' ? undefined : checkValue(definition, value);
    if (problem) errors.push(propertyValueError(name, problem[0], problem[1], portalId));
    else values[name] = name === 'email' ? value.trim().toLowerCase() : value;
  }
  if (errors.length > 0) throw propertyValuesError(errors);
  return values;
}

function checkValue(definition: PropertyDefinition, value: string): [code: string, message: string] | undefined {
  const { name, type } = definition;
  if (value.length > MAX_STRING)
    return ['INVALID_LONG_STRING', `Value for ${name} is longer than ${MAX_STRING} characters`];
  if (name === 'email' && !EMAIL.test(value.trim())) return ['INVALID_EMAIL', `Email address ${value} is invalid`];
  switch (type) {
    case 'enumeration': {
      const allowed = definition.options.map((o) => o.value);
      // Multi-select (checkbox) values are `;`-separated; every part must be an option's internal value.
      const parts = definition.fieldType === 'checkbox' ? value.split(';') : [value];
      const bad = parts.find((part) => !allowed.includes(part));
      if (bad !== undefined) {
        return ['INVALID_OPTION', `${bad} was not one of the allowed options: [${allowed.join(', ')}]`];
      }
      return undefined;
    }
    case 'number':
      return Number.isFinite(Number(value)) && value.trim() !== ''
        ? undefined
        : ['INVALID_INTEGER', `${value} was not a valid number`];
    case 'bool':
      return value === 'true' || value === 'false'
        ? undefined
        : ['INVALID_BOOLEAN', `${value} was not a valid boolean (true or false)`];
    case 'date':
    case 'datetime':
      return toEpochMs(value) === undefined
        ? ['INVALID_DATE', `${value} was not a valid date; send ISO 8601 or epoch milliseconds`]
        : undefined;
    default:
      return undefined;
  }
}

/** Date and datetime values arrive as ISO 8601 text or epoch milliseconds; search compares them as numbers. */
export function toEpochMs(value: string): number | undefined {
  if (/^-?\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

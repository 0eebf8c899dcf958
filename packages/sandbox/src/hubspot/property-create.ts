import { validationError } from './errors.js';
import { PROPERTY_GROUPS, makeDefinition, type PropertyDefinition } from './property-definitions.js';

const TYPES = ['bool', 'date', 'datetime', 'enumeration', 'number', 'phone_number', 'string'];
const FIELD_TYPES = [
  'booleancheckbox',
  'calculation_equation',
  'checkbox',
  'date',
  'file',
  'html',
  'number',
  'phonenumber',
  'radio',
  'select',
  'text',
  'textarea',
];

/**
 * Which field types each type may use. bool, enumeration and date(time) follow D-PROPS; the string, number and
 * phone_number rows are this sandbox's reading of the field types' meaning.
 */
const COMPATIBLE: Record<string, string[]> = {
  bool: ['booleancheckbox', 'calculation_equation'],
  enumeration: ['booleancheckbox', 'checkbox', 'radio', 'select', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  number: ['number', 'calculation_equation'],
  string: ['text', 'textarea', 'html', 'file', 'phonenumber', 'calculation_equation'],
  phone_number: ['phonenumber'],
};

/** HubSpot allows at most 10 unique-value properties per object. */
export const MAX_UNIQUE_PROPERTIES = 10;

/**
 * Validates a `PropertyCreate` body and returns the new definition. Throws 400 VALIDATION_ERROR naming every problem
 * found, so a client can fix the body in one go. Existence (409) is the caller's check.
 */
export function validatePropertyCreate(body: unknown, uniqueCount: number, now: string): PropertyDefinition {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationError('Invalid input JSON: the body must be a PropertyCreate object.');
  }
  const input = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of ['groupName', 'name', 'label', 'type', 'fieldType']) {
    if (typeof input[field] !== 'string' || input[field] === '')
      problems.push(`${field} is required and must be a non-empty string`);
  }
  const { name, type, fieldType, groupName } = input as Record<string, string>;
  if (typeof name === 'string' && name !== '') {
    if (!/^[a-z][a-z0-9_]*$/.test(name))
      problems.push(`name "${name}" must start with a lowercase letter and contain only a-z, 0-9 and _`);
    if (name.startsWith('hs_')) problems.push(`name "${name}" uses the reserved prefix hs_`);
  }
  if (typeof type === 'string' && type !== '' && !TYPES.includes(type))
    problems.push(`type "${type}" is not one of ${TYPES.join(', ')}`);
  if (typeof fieldType === 'string' && fieldType !== '' && !FIELD_TYPES.includes(fieldType)) {
    problems.push(`fieldType "${fieldType}" is not one of ${FIELD_TYPES.join(', ')}`);
  }
  if (TYPES.includes(type) && FIELD_TYPES.includes(fieldType) && !COMPATIBLE[type].includes(fieldType)) {
    problems.push(
      `fieldType "${fieldType}" cannot be used with type "${type}"; use one of ${COMPATIBLE[type].join(', ')}`,
    );
  }
  if (typeof groupName === 'string' && groupName !== '' && !PROPERTY_GROUPS.includes(groupName)) {
    problems.push(`groupName "${groupName}" does not exist; use one of ${PROPERTY_GROUPS.join(', ')}`);
  }
  const options = checkOptions(input.options, type, problems);
  if (input.hasUniqueValue === true && uniqueCount >= MAX_UNIQUE_PROPERTIES) {
    problems.push(`at most ${MAX_UNIQUE_PROPERTIES} properties per object can have hasUniqueValue`);
  }
  for (const flag of ['hasUniqueValue', 'hidden', 'formField', 'externalOptions']) {
    if (input[flag] !== undefined && typeof input[flag] !== 'boolean') problems.push(`${flag} must be a boolean`);
  }
  if (problems.length > 0) throw validationError(`Invalid property definition: ${problems.join('; ')}.`);
  return makeDefinition(
    {
      name,
      label: input.label as string,
      type,
      fieldType,
      groupName,
      description: typeof input.description === 'string' ? input.description : '',
      options,
      displayOrder: typeof input.displayOrder === 'number' ? input.displayOrder : -1,
      hasUniqueValue: input.hasUniqueValue === true,
      hidden: input.hidden === true,
      formField: input.formField === true,
      externalOptions: input.externalOptions === true,
      calculated: fieldType === 'calculation_equation',
      modificationMetadata: {
        archivable: true,
        readOnlyDefinition: false,
        readOnlyValue: false,
        readOnlyOptions: false,
      },
    },
    now,
  );
}

function checkOptions(raw: unknown, type: string, problems: string[]): PropertyDefinition['options'] {
  if (raw === undefined || raw === null) {
    if (type === 'enumeration') problems.push('options are required for enumeration properties');
    return [];
  }
  if (!Array.isArray(raw)) {
    problems.push('options must be an array of {label, value, hidden}');
    return [];
  }
  if (type === 'enumeration' && raw.length === 0) problems.push('options are required for enumeration properties');
  if (type !== 'enumeration' && raw.length > 0)
    problems.push(`options are only allowed for enumeration properties, not "${type}"`);
  const seen = new Set<string>();
  return raw.flatMap((option: unknown, index) => {
    const o = option as Record<string, unknown> | null;
    if (typeof o !== 'object' || o === null || typeof o.label !== 'string' || typeof o.value !== 'string') {
      problems.push(`options[${index}] needs a string label and value`);
      return [];
    }
    if (seen.has(o.value)) problems.push(`options[${index}].value "${o.value}" is used twice`);
    seen.add(o.value);
    return [
      {
        label: o.label,
        value: o.value,
        hidden: o.hidden === true,
        displayOrder: typeof o.displayOrder === 'number' ? o.displayOrder : index,
        ...(typeof o.description === 'string' ? { description: o.description } : {}),
      },
    ];
  });
}

import type { ContactStore, StoredContact } from './contact-store.js';
import { validationError } from './errors.js';
import type { PropertyDefinition } from './property-definitions.js';
import { QUERY_PROPERTIES } from './property-definitions.js';
import { toEpochMs } from './property-values.js';

const OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
];
/** Sources disagree (6 groups in the spec, 5×10/25 or 5×6/18 in docs); allow the most generous documented set. */
const MAX_GROUPS = 6;
const MAX_FILTERS_PER_GROUP = 10;
const MAX_FILTERS = 25;
const MAX_QUERY = 3000;

interface Filter {
  propertyName: string;
  operator: string;
  value?: string;
  highValue?: string;
  values?: string[];
}

type Comparable = number | string;
type Predicate = (contact: StoredContact) => boolean;

/** Compiles a request's filterGroups (OR of ANDs) and query into one predicate; throws 400 on a malformed filter. */
export function compileSearch(store: ContactStore, filterGroups: unknown, query: unknown): Predicate {
  if (filterGroups !== undefined && !Array.isArray(filterGroups))
    throw validationError('filterGroups must be an array of {filters: [...]}.');
  const groups = (filterGroups ?? []) as Array<{ filters?: unknown }>;
  if (groups.length > MAX_GROUPS)
    throw validationError(`Too many filter groups: ${groups.length}; the limit is ${MAX_GROUPS}.`);
  let total = 0;
  const compiled = groups.map((group, g) => {
    if (!Array.isArray(group?.filters)) throw validationError(`filterGroups[${g}].filters must be an array.`);
    if (group.filters.length > MAX_FILTERS_PER_GROUP) {
      throw validationError(
        `Too many filters in filterGroups[${g}]: ${group.filters.length}; the limit is ${MAX_FILTERS_PER_GROUP} per group.`,
      );
    }
    total += group.filters.length;
    return group.filters.map((filter: unknown, f: number) =>
      compileFilter(store, filter, `filterGroups[${g}].filters[${f}]`),
    );
  });
  if (total > MAX_FILTERS)
    throw validationError(`Too many filters: ${total}; the limit is ${MAX_FILTERS} across all groups.`);
  const matchQuery = compileQuery(query);
  return (contact) =>
    !contact.archived &&
    matchQuery(contact) &&
    (compiled.length === 0 || compiled.some((filters) => filters.every((match) => match(contact))));
}

function compileFilter(store: ContactStore, raw: unknown, where: string): Predicate {
  const filter = raw as Filter;
  if (typeof filter !== 'object' || filter === null || typeof filter.propertyName !== 'string') {
    throw validationError(`${where} needs a propertyName and an operator.`);
  }
  const { propertyName: name, operator } = filter;
  if (!OPERATORS.includes(operator))
    throw validationError(`${where}.operator "${String(operator)}" is not one of ${OPERATORS.join(', ')}.`);
  const definition = store.property(name);
  if (!definition) throw validationError(`${where}: property "${name}" does not exist on contacts.`);
  const read = (contact: StoredContact) => contact.properties[name];
  if (operator === 'HAS_PROPERTY') return (c) => read(c) !== undefined;
  if (operator === 'NOT_HAS_PROPERTY') return (c) => read(c) === undefined;
  if (operator === 'IN' || operator === 'NOT_IN') {
    if (!Array.isArray(filter.values) || filter.values.length === 0)
      throw validationError(`${where}: ${operator} needs a non-empty "values" array.`);
    const wanted = new Set(filter.values.map((v) => String(comparable(definition, String(v)))));
    const inSet = (c: StoredContact) => read(c) !== undefined && wanted.has(String(comparable(definition, read(c)!)));
    return operator === 'IN' ? inSet : (c) => !inSet(c);
  }
  if (filter.value === undefined || filter.value === null)
    throw validationError(`${where}: ${operator} needs a "value".`);
  const value = String(filter.value);
  if (operator === 'CONTAINS_TOKEN' || operator === 'NOT_CONTAINS_TOKEN') {
    const pattern = tokenPattern(value);
    const contains = (c: StoredContact) => read(c) !== undefined && tokensOf(read(c)!).some((t) => pattern.test(t));
    return operator === 'CONTAINS_TOKEN' ? contains : (c) => !contains(c);
  }
  const target = comparable(definition, value);
  if (operator === 'BETWEEN') {
    if (filter.highValue === undefined) throw validationError(`${where}: BETWEEN needs "value" and "highValue".`);
    const high = comparable(definition, String(filter.highValue));
    return (c) =>
      read(c) !== undefined && comparable(definition, read(c)!) >= target && comparable(definition, read(c)!) <= high;
  }
  // A contact without the value matches only the negative operators (NEQ here).
  const compare = (c: StoredContact, test: (a: Comparable) => boolean) =>
    read(c) !== undefined && test(comparable(definition, read(c)!));
  switch (operator) {
    case 'EQ':
      return (c) => compare(c, (a) => a === target);
    case 'NEQ':
      return (c) => !compare(c, (a) => a === target);
    case 'LT':
      return (c) => compare(c, (a) => a < target);
    case 'LTE':
      return (c) => compare(c, (a) => a <= target);
    case 'GT':
      return (c) => compare(c, (a) => a > target);
    default:
      return (c) => compare(c, (a) => a >= target);
  }
}

/** Numbers and dates compare as numbers; text compares case-insensitively, as HubSpot's search does. */
export function comparable(definition: PropertyDefinition | undefined, value: string): Comparable {
  if (definition?.type === 'number') {
    const n = Number(value);
    return Number.isNaN(n) ? value.toLowerCase() : n;
  }
  if (definition?.type === 'date' || definition?.type === 'datetime') return toEpochMs(value) ?? value.toLowerCase();
  return value.toLowerCase();
}

function tokensOf(value: string): string[] {
  const lower = value.toLowerCase();
  return [lower, ...lower.split(/[\s@.,;:_\-+/()]+/).filter((t) => t !== '')];
}

/** CONTAINS_TOKEN values may use `*` as a wildcard. */
function tokenPattern(value: string): RegExp {
  const escaped = value
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

function compileQuery(query: unknown): Predicate {
  if (query === undefined || query === null || query === '') return () => true;
  if (typeof query !== 'string') throw validationError('query must be a string.');
  if (query.length > MAX_QUERY)
    throw validationError(`query is ${query.length} characters long; the limit is ${MAX_QUERY}.`);
  const words = query
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  // Every word must start one of the tokens of the default searchable properties.
  return (contact) => {
    const tokens = QUERY_PROPERTIES.flatMap((name) =>
      contact.properties[name] ? tokensOf(contact.properties[name]) : [],
    );
    return words.every((word) => tokens.some((token) => token.startsWith(word)));
  };
}

/** Sorts given as `"name"`, `"-name"` or `{propertyName, direction: ASCENDING|DESCENDING}`; default by record id. */
export function compileSorts(store: ContactStore, sorts: unknown): (a: StoredContact, b: StoredContact) => number {
  if (sorts !== undefined && !Array.isArray(sorts)) throw validationError('sorts must be an array.');
  const keys = ((sorts ?? []) as unknown[]).map((sort, i) => {
    if (typeof sort === 'string') return { name: sort.replace(/^-/, ''), sign: sort.startsWith('-') ? -1 : 1 };
    const s = sort as { propertyName?: unknown; direction?: unknown } | null;
    if (typeof s?.propertyName !== 'string') throw validationError(`sorts[${i}] needs a propertyName.`);
    if (s.direction !== undefined && s.direction !== 'ASCENDING' && s.direction !== 'DESCENDING') {
      throw validationError(`sorts[${i}].direction must be ASCENDING or DESCENDING.`);
    }
    return { name: s.propertyName, sign: s.direction === 'DESCENDING' ? -1 : 1 };
  });
  keys.push({ name: 'hs_object_id', sign: 1 });
  return (a, b) => {
    for (const { name, sign } of keys) {
      const definition = store.property(name);
      const va = a.properties[name];
      const vb = b.properties[name];
      if (va === vb) continue;
      // Contacts without the value go last whatever the direction.
      if (va === undefined) return 1;
      if (vb === undefined) return -1;
      const ca = comparable(definition, va);
      const cb = comparable(definition, vb);
      if (ca !== cb) return (ca < cb ? -1 : 1) * sign;
    }
    return 0;
  };
}

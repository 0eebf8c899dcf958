import { ConfigError } from '../errors.js';
import { defineTransform, rejectRecord } from '../plugins/define.js';
import { boundedRegex, MAX_MATCH_INPUT, regexProblem } from './regex-guard.js';
import type { ConfigFromSchema, ConfigProblem, ConfigSchema, TransformPlugin } from '../plugins/types.js';

type Scalar = string | number | boolean | null;

const scalar = { type: ['string', 'number', 'boolean', 'null'] } as const;
const orderable = { type: ['string', 'number'] } as const;
const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'notIn', 'exists', 'matches'] as const;

const configSchema = {
  type: 'object',
  description: 'Keeps records that match conditions; others are filtered out.',
  additionalProperties: false,
  required: ['where'],
  properties: {
    where: {
      type: 'array',
      minItems: 1,
      description: 'Conditions, e.g. [{ field: year, gte: 1990 }, { field: sex, in: [F] }].',
      examples: [[{ field: 'year', gte: 1990 }]],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['field'],
        minProperties: 2,
        properties: {
          field: { type: 'string', minLength: 1, description: 'The field to test (a.b for nested fields).' },
          eq: { ...scalar, description: 'Equal to.' },
          ne: { ...scalar, description: 'Not equal to.' },
          gt: { ...orderable, description: 'Greater than (numbers compare as numbers).' },
          gte: { ...orderable, description: 'Greater than or equal to.' },
          lt: { ...orderable, description: 'Less than.' },
          lte: { ...orderable, description: 'Less than or equal to.' },
          in: { type: 'array', items: scalar, description: 'One of these values.' },
          notIn: { type: 'array', items: scalar, description: 'None of these values.' },
          exists: {
            type: ['boolean', 'string'],
            enum: [true, false, 'true', 'false'],
            description: 'true: the field has a value; false: it has none.',
          },
          matches: { type: 'string', description: 'A regular expression the field must match.' },
        },
      },
    },
    mode: { enum: ['all', 'any'], default: 'all', description: 'all: every condition must hold; any: at least one.' },
  },
} as const satisfies ConfigSchema;

/** Config of the `filter` transform. */
export type FilterConfig = ConfigFromSchema<typeof configSchema>;

/**
 * One condition of the `filter` transform: a `field` and one or more operators, all of which must hold.
 * Values may be text (e.g. from `${env:MIN_YEAR:-1880}`): when the field holds a number and the value reads as a
 * number, they are compared as numbers.
 */
export type FilterCondition = FilterConfig['where'][number];

const NUMERIC = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
/** The number a value stands for, when it is a number or text that reads as one. */
function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isNaN(value) ? undefined : value;
  if (typeof value === 'string' && NUMERIC.test(value)) return Number(value);
  return undefined;
}

/** Equality that lets a number field match "1990" and a boolean field match "true" (values from env interpolation). */
function equalsFn(expected: Scalar): (actual: unknown) => boolean {
  const n = asNumber(expected);
  const text = expected === null ? null : String(expected);
  return (actual) => {
    if (actual === expected) return true;
    if (actual === undefined || actual === null || expected === null) return false;
    if (typeof actual === 'number') return n !== undefined && actual === n;
    if (typeof actual === 'boolean') return String(actual) === text;
    if (typeof actual === 'string')
      return actual === text || (typeof expected === 'number' && asNumber(actual) === expected);
    return false;
  };
}

function compareFn(expected: number | string, test: (sign: number) => boolean): (actual: unknown) => boolean {
  const n = asNumber(expected);
  const text = String(expected);
  return (actual) => {
    if (actual === undefined || actual === null) return false;
    if (n !== undefined) {
      const a = asNumber(actual);
      if (a !== undefined) return test(a < n ? -1 : a > n ? 1 : 0);
    }
    const a = typeof actual === 'string' ? actual : String(actual);
    return test(a < text ? -1 : a > text ? 1 : 0);
  };
}

function reader(field: string): (record: Record<string, unknown>) => unknown {
  if (!field.includes('.')) return (record) => record[field];
  const path = field.split('.');
  return (record) => {
    let value: unknown = record;
    for (const key of path) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    return value;
  };
}

/** A condition's verdict: holds or not, or the reason to reject the record (a cell too long for a user pattern). */
type Verdict = boolean | string;

function compileCondition(
  condition: FilterCondition,
  index: number,
  step: string,
): (record: Record<string, unknown>) => Verdict {
  const read = reader(condition.field);
  const tests: Array<(value: unknown) => Verdict> = [];
  for (const op of OPERATORS) {
    const expected = condition[op];
    if (expected === undefined) continue;
    switch (op) {
      case 'eq':
        tests.push(equalsFn(expected as Scalar));
        break;
      case 'ne': {
        const eq = equalsFn(expected as Scalar);
        tests.push((v) => !eq(v));
        break;
      }
      case 'gt':
        tests.push(compareFn(expected as number | string, (s) => s > 0));
        break;
      case 'gte':
        tests.push(compareFn(expected as number | string, (s) => s >= 0));
        break;
      case 'lt':
        tests.push(compareFn(expected as number | string, (s) => s < 0));
        break;
      case 'lte':
        tests.push(compareFn(expected as number | string, (s) => s <= 0));
        break;
      case 'in':
      case 'notIn': {
        const eqs = (expected as Scalar[]).map(equalsFn);
        // Plain values (the common case) are looked up in a set; numbers-as-text still go through equalsFn.
        const exact = new Set<unknown>(expected as Scalar[]);
        const isIn = (v: unknown) => exact.has(v) || eqs.some((eq) => eq(v));
        tests.push(op === 'in' ? isIn : (v) => !isIn(v));
        break;
      }
      case 'exists': {
        const want = expected === true || expected === 'true';
        tests.push((v) => (v !== undefined && v !== null) === want);
        break;
      }
      case 'matches': {
        const test = boundedRegex(
          expected as string,
          `Step "${step}": where[${index}].matches`,
          'FILTER_PATTERN_INVALID',
        );
        const tooLong = `${condition.field} is longer than ${MAX_MATCH_INPUT} characters, so it was not matched against /${expected as string}/`;
        tests.push((v) => {
          if (v === undefined || v === null) return false;
          const result = test(typeof v === 'string' ? v : String(v));
          return result === 'too-long' ? tooLong : result;
        });
        break;
      }
    }
  }
  if (tests.length === 0) {
    throw new ConfigError(`Step "${step}": where[${index}] on field "${condition.field}" has no operator`, [], {
      code: 'FILTER_NO_OPERATOR',
      suggestions: [`Add one of ${OPERATORS.join(', ')}, e.g. { field: ${condition.field}, eq: value }.`],
    });
  }
  return (record) => {
    const value = read(record);
    for (const test of tests) {
      const verdict = test(value);
      if (verdict !== true) return verdict;
    }
    return true;
  };
}

/** Keeps records matching `where` (all or any of the conditions); the others are filtered out. */
export const filterTransform = (): TransformPlugin<FilterConfig> =>
  defineTransform<FilterConfig>({
    name: 'filter',
    description: 'Keeps records that match conditions; others are filtered out.',
    configSchema,
    checkConfig(config) {
      const problems: ConfigProblem[] = [];
      config.where.forEach((condition, index) => {
        if (typeof condition.matches !== 'string') return;
        const problem = regexProblem(condition.matches);
        if (problem) problems.push({ path: `where[${index}].matches`, message: problem });
      });
      return problems;
    },
    create(ctx, config) {
      const conditions = config.where.map((c, i) => compileCondition(c, i, ctx.step));
      if (config.mode === 'any') {
        return (record) => {
          for (const c of conditions) {
            const verdict = c(record);
            if (verdict === true) return record;
            if (verdict !== false) return rejectRecord(verdict);
          }
          return null;
        };
      }
      return (record) => {
        for (const c of conditions) {
          const verdict = c(record);
          if (verdict === false) return null;
          if (verdict !== true) return rejectRecord(verdict);
        }
        return record;
      };
    },
  });

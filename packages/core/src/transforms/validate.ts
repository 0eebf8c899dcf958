import { defineTransform, rejectRecord } from '../plugins/define.js';
import type { ConfigFromSchema, ConfigProblem, ConfigSchema, DataRecord, TransformPlugin } from '../plugins/types.js';
import { boundedRegex, MAX_MATCH_INPUT, regexProblem } from './regex-guard.js';

const fieldSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: {
      enum: ['string', 'integer', 'number', 'boolean'],
      description: 'The type the value must have (after coercion).',
    },
    required: {
      type: 'boolean',
      default: true,
      description: 'Reject a missing, null or empty value (else it passes as null).',
    },
    trim: {
      type: 'boolean',
      default: false,
      description: 'Strings: trim whitespace before checking, and keep the trimmed value.',
    },
    min: { type: 'number', description: 'Numbers: smallest allowed value.' },
    max: { type: 'number', description: 'Numbers: largest allowed value.' },
    minLength: { type: 'integer', minimum: 0, description: 'Strings: fewest characters.' },
    maxLength: { type: 'integer', minimum: 0, description: 'Strings: most characters.' },
    pattern: { type: 'string', description: 'Strings: a regular expression the value must match.' },
    enum: {
      type: 'array',
      minItems: 1,
      items: { type: ['string', 'number', 'boolean'] },
      description: 'Allowed values.',
    },
  },
} as const satisfies ConfigSchema;

const configSchema = {
  type: 'object',
  description: 'Types and checks fields; records that fail are rejected with the reason.',
  additionalProperties: false,
  required: ['fields'],
  properties: {
    fields: {
      type: 'object',
      minProperties: 1,
      additionalProperties: fieldSchema,
      description: 'Rules per field, e.g. { year: { type: integer, min: 1800 }, sex: { type: string, enum: [F, M] } }.',
    },
    coerce: {
      type: 'boolean',
      default: true,
      description: 'Convert text to the declared type ("1880" → 1880, "true" → true).',
    },
    additional: { enum: ['keep', 'drop'], default: 'keep', description: 'What to do with fields that have no rule.' },
  },
} as const satisfies ConfigSchema;

/** Config of the `validate` transform. */
export type ValidateConfig = ConfigFromSchema<typeof configSchema>;

/** The rule for one field of the `validate` transform (defaults applied). */
export type FieldRule = ConfigFromSchema<typeof fieldSchema>;

/** A field checker: returns the (converted) value, or a `Failure` with the reason. */
type Checker = (value: unknown) => unknown;
class Failure {
  constructor(readonly reason: string) {}
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** How a bad value is shown in a reason: text as-is (so `18x0`), short, and never multi-line. */
function show(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}
const quote = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(show(value)) : show(value));

function typeChecker(type: FieldRule['type'], coerce: boolean): Checker {
  switch (type) {
    case 'integer':
      return (v) => {
        if (typeof v === 'number') return Number.isInteger(v) ? v : new Failure(`${show(v)} is not an integer`);
        if (coerce && typeof v === 'string') {
          const t = v.trim();
          if (INTEGER_TEXT.test(t)) {
            const n = Number(t);
            if (Number.isSafeInteger(n)) return n;
            return new Failure(`${show(v)} is too large for an integer`);
          }
        }
        return new Failure(`${show(v)} is not an integer`);
      };
    case 'number':
      return (v) => {
        if (typeof v === 'number') return Number.isFinite(v) ? v : new Failure(`${show(v)} is not a number`);
        if (coerce && typeof v === 'string' && NUMBER_TEXT.test(v.trim())) return Number(v.trim());
        return new Failure(`${show(v)} is not a number`);
      };
    case 'boolean':
      return (v) => {
        if (typeof v === 'boolean') return v;
        if (coerce) {
          const t = typeof v === 'string' ? v.trim().toLowerCase() : v;
          if (t === 'true' || t === '1' || t === 1 || t === 'yes') return true;
          if (t === 'false' || t === '0' || t === 0 || t === 'no') return false;
        }
        return new Failure(`${quote(v)} is not a boolean`);
      };
    case 'string':
      return (v) => {
        if (typeof v === 'string') return v;
        if (coerce && (typeof v === 'number' || typeof v === 'boolean')) return String(v);
        return new Failure(`${show(v)} is not a string`);
      };
  }
}

/** Builds one field's checker; every option is turned into a closure once, so a record costs only the checks. */
function compileField(field: string, rule: FieldRule, coerce: boolean, step: string): (record: DataRecord) => unknown {
  const checks: Checker[] = [typeChecker(rule.type, coerce)];
  if (rule.trim && rule.type === 'string') checks.unshift((v) => (typeof v === 'string' ? v.trim() : v));
  if (rule.min !== undefined) {
    const min = rule.min;
    checks.push((v) =>
      typeof v === 'number' && v < min ? new Failure(`${show(v)} is less than the minimum ${min}`) : v,
    );
  }
  if (rule.max !== undefined) {
    const max = rule.max;
    checks.push((v) =>
      typeof v === 'number' && v > max ? new Failure(`${show(v)} is greater than the maximum ${max}`) : v,
    );
  }
  if (rule.minLength !== undefined) {
    const n = rule.minLength;
    checks.push((v) =>
      typeof v === 'string' && v.length < n
        ? new Failure(`${quote(v)} is shorter than ${n} character${n === 1 ? '' : 's'}`)
        : v,
    );
  }
  if (rule.maxLength !== undefined) {
    const n = rule.maxLength;
    checks.push((v) =>
      typeof v === 'string' && v.length > n
        ? new Failure(`${quote(v)} is longer than ${n} character${n === 1 ? '' : 's'}`)
        : v,
    );
  }
  if (rule.pattern !== undefined) {
    const test = boundedRegex(rule.pattern, `Step "${step}": fields.${field}.pattern`, 'VALIDATE_PATTERN_INVALID');
    checks.push((v) => {
      if (typeof v !== 'string') return v;
      const result = test(v);
      if (result === 'too-long')
        return new Failure(
          `is longer than ${MAX_MATCH_INPUT} characters, so it was not matched against /${rule.pattern}/`,
        );
      return result ? v : new Failure(`${quote(v)} does not match /${rule.pattern}/`);
    });
  }
  if (rule.enum !== undefined) {
    const allowed = new Set<unknown>(rule.enum);
    const list = rule.enum.map(String).join(', ');
    checks.push((v) => (allowed.has(v) ? v : new Failure(`${quote(v)} is not one of ${list}`)));
  }
  const { required, trim } = rule;
  return (record) => {
    let value = record[field];
    if (
      value === undefined ||
      value === null ||
      value === '' ||
      (trim && typeof value === 'string' && value.trim() === '')
    ) {
      return required ? new Failure('is missing') : null;
    }
    for (const check of checks) {
      value = check(value);
      if (value instanceof Failure) return value;
    }
    return value;
  };
}

/**
 * Types and checks fields; a record with any bad field is rejected with every reason, e.g.
 * `year: 18x0 is not an integer; sex: "X" is not one of F, M`.
 */
export const validateTransform = (): TransformPlugin<ValidateConfig> =>
  defineTransform<ValidateConfig>({
    name: 'validate',
    description: 'Types and checks fields; records that fail are rejected with the reason.',
    configSchema,
    checkConfig(config) {
      // Invalid patterns, and patterns that would backtrack catastrophically on a hostile cell (regex-guard.ts).
      const problems: ConfigProblem[] = [];
      for (const [field, rule] of Object.entries(config.fields)) {
        if (typeof rule.pattern !== 'string') continue;
        const problem = regexProblem(rule.pattern);
        if (problem) problems.push({ path: `fields.${field}.pattern`, message: problem });
      }
      return problems;
    },
    create(ctx, config) {
      const { coerce } = config;
      const dropOthers = config.additional === 'drop';
      const fields = Object.entries(config.fields).map(([name, rule]) => ({
        name,
        check: compileField(name, rule, coerce, ctx.step),
      }));
      return (record) => {
        const out: DataRecord = dropOthers ? {} : { ...record };
        let reasons: string[] | undefined;
        for (const { name, check } of fields) {
          const value = check(record);
          if (value instanceof Failure) (reasons ??= []).push(`${name}: ${value.reason}`);
          else out[name] = value;
        }
        return reasons ? rejectRecord(reasons.join('; ')) : out;
      };
    },
  });

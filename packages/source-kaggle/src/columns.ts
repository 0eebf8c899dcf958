/**
 * Turns CSV rows (arrays of strings) into typed records. Compiled once per file from the header and the `columns`
 * config; runs on every one of ~2 million rows, so conversions avoid regexes and allocate only the record.
 */
import { FatalError, ConfigError, type DataRecord } from '@etl/core';
import type { ColumnSpec } from './config.js';

/** Why a cell or row is unusable. A class (not a thrown error) so the hot path only pays for an `instanceof`. */
export class Invalid {
  constructor(readonly reason: string) {}
}

type Convert = (raw: string) => unknown;

/** Parses a plain decimal integer; `undefined` for anything else ("1e3", "12.0", "", "0x10"). */
export function parseInteger(text: string): number | undefined {
  const length = text.length;
  if (length === 0 || length > 16) return undefined;
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 45 /* - */ || first === 43 /* + */) {
    if (length === 1) return undefined;
    negative = first === 45;
    i = 1;
  }
  let value = 0;
  for (; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return Number.isSafeInteger(value) ? (negative ? -value : value) : undefined;
}

const isSpace = (code: number) => code === 32 || code === 9;
/** Trims only when needed: most cells have no surrounding spaces and `trim()` would still allocate on some engines. */
const trimmed = (text: string) =>
  text.length > 0 && (isSpace(text.charCodeAt(0)) || isSpace(text.charCodeAt(text.length - 1))) ? text.trim() : text;

function numberConverter(column: string, spec: ColumnSpec): Convert {
  const { min, max } = spec;
  const integer = spec.type === 'integer';
  return (raw) => {
    const text = trimmed(raw);
    if (text === '') return spec.optional ? null : new Invalid(`${column} is empty`);
    const value = integer ? parseInteger(text) : Number(text);
    if (value === undefined || Number.isNaN(value) || !Number.isFinite(value)) {
      return new Invalid(`${column} ${JSON.stringify(raw)} is not ${integer ? 'an integer' : 'a number'}`);
    }
    if (min !== undefined && value < min) return new Invalid(`${column} ${value} is below ${min}`);
    if (max !== undefined && value > max) return new Invalid(`${column} ${value} is above ${max}`);
    return value;
  };
}

function stringConverter(column: string, spec: ColumnSpec): Convert {
  // Maps each allowed value to the config's own string, so two million records share one "F" instead of holding copies.
  const allowed = spec.enum ? new Map(spec.enum.map((value) => [value, value])) : undefined;
  const allowedText = spec.enum?.join(', ');
  const minLength = spec.minLength ?? 0;
  const maxLength = spec.maxLength ?? Infinity;
  const allowQuotes = spec.allowQuotes === true;
  return (raw) => {
    const text = spec.trim ? trimmed(raw) : raw;
    if (!allowQuotes && text.includes('"'))
      return new Invalid(`${column} has a stray double quote (malformed quoting): ${raw}`);
    if (text === '') {
      if (spec.optional) return null;
      if (minLength > 0 || allowed) return new Invalid(`${column} is empty`);
    }
    if (allowed) {
      const canonical = allowed.get(text);
      if (canonical === undefined) return new Invalid(`${column} ${JSON.stringify(raw)} is not one of ${allowedText}`);
      return canonical;
    }
    if (text.length < minLength)
      return new Invalid(`${column} ${JSON.stringify(raw)} is shorter than ${minLength} characters`);
    if (text.length > maxLength)
      return new Invalid(`${column} is longer than ${maxLength} characters (${text.length})`);
    return text;
  };
}

export interface RowTyper {
  /** The header's column names as found. */
  readonly header: string[];
  /** A typed record, or why the row is unusable. */
  type(row: string[]): DataRecord | Invalid;
}

/**
 * Checks the header against `expectHeader` (default: the `columns` keys, in order) and compiles the row typer.
 * A wrong header is fatal: every row would be misread.
 */
export function compileRowTyper(
  header: string[],
  columns: Record<string, ColumnSpec>,
  expectHeader: string[] | undefined,
  file: string,
): RowTyper {
  const found = header.map((name) => name.trim());
  const expected = expectHeader ?? Object.keys(columns);
  const matches = found.length === expected.length && expected.every((name, i) => found[i] === name);
  if (!matches) {
    throw new FatalError(
      `kaggle: ${file} has an unexpected header. Expected: ${expected.join(',')}. Found: ${found.join(',')}.`,
      {
        code: 'KAGGLE_BAD_HEADER',
        suggestions: [
          'Check that `file` names the right CSV of the dataset.',
          'If the dataset changed its columns, update `columns` (and `expectHeader`) in the step config.',
        ],
        context: { file, expected, found },
      },
    );
  }
  const plan = Object.entries(columns).map(([column, spec]) => {
    const index = found.indexOf(column);
    if (index < 0) {
      throw new ConfigError(
        `kaggle: column "${column}" is configured in \`columns\` but not in \`expectHeader\`.`,
        [],
        {
          code: 'KAGGLE_BAD_COLUMNS',
          suggestions: [`Add "${column}" to expectHeader, or remove it from columns.`],
        },
      );
    }
    const convert = spec.type === 'string' ? stringConverter(column, spec) : numberConverter(column, spec);
    return { index, field: spec.field, convert };
  });
  const width = found.length;
  return {
    header: found,
    type(row) {
      if (row.length !== width) return new Invalid(`expected ${width} columns, found ${row.length}`);
      const record: DataRecord = {};
      for (let i = 0; i < plan.length; i++) {
        const step = plan[i];
        const value = step.convert(row[step.index]);
        if (value instanceof Invalid) return value;
        record[step.field] = value;
      }
      return record;
    },
  };
}

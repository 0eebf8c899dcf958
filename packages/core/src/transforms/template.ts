/**
 * The template engine used by `compute` and by plugins (e.g. HubSpot property mappings).
 *
 * `{{ field }}`, `{{ a.b }}`, filters chained with `|`: `{{ name | slug }}`, `{{ x | default('n/a') | upper }}`.
 * No code is evaluated: a template is parsed once into a list of literal parts and field readers, and running it is
 * a loop over that list.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';
import type { DataRecord } from '../plugins/types.js';

/** A compiled template: renders one record to a string. */
export type CompiledTemplate = (record: DataRecord) => string;

type Filter = (value: unknown) => unknown;
type FilterFactory = (args: Array<string | number>, fail: (message: string) => never) => Filter;

const toText = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
};

const COMBINING_MARKS = /[\u0300-\u036f]/g;
const NON_SLUG_RUN = /[^a-z0-9]+/g;
const EDGE_DASHES = /^-+|-+$/g;
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Lowercase ASCII letters and digits; accents stripped (NFKD) first; any other run becomes one `-`. When characters
 * with no ASCII form are dropped (مریم, emoji), a short hash of the original is appended, so distinct names never
 * share a slug and a slug is never empty: `مریم` → `u-1b2c3d4e`, `😀Zoë` → `zoe-5f6a7b8c`.
 */
export function slugify(value: string): string {
  // Normalising is the expensive part; plain ASCII (most names) has nothing to decompose.
  if (!NON_ASCII.test(value)) return value.toLowerCase().replace(NON_SLUG_RUN, '-').replace(EDGE_DASHES, '');
  const folded = value.normalize('NFKD').replace(COMBINING_MARKS, '');
  const slug = folded.toLowerCase().replace(NON_SLUG_RUN, '-').replace(EDGE_DASHES, '');
  if (!NON_ASCII.test(folded)) return slug;
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 8);
  return slug ? `${slug}-${hash}` : `u-${hash}`;
}

function expectArgs(name: string, args: unknown[], count: number, fail: (message: string) => never): void {
  if (args.length !== count)
    fail(`filter "${name}" takes ${count === 0 ? 'no arguments' : `${count} argument`}, got ${args.length}`);
}

const FILTERS: Record<string, FilterFactory> = {
  lower: (args, fail) => (expectArgs('lower', args, 0, fail), (v) => toText(v).toLowerCase()),
  upper: (args, fail) => (expectArgs('upper', args, 0, fail), (v) => toText(v).toUpperCase()),
  trim: (args, fail) => (expectArgs('trim', args, 0, fail), (v) => toText(v).trim()),
  slug: (args, fail) => (expectArgs('slug', args, 0, fail), (v) => slugify(toText(v))),
  string: (args, fail) => (expectArgs('string', args, 0, fail), (v) => toText(v)),
  default: (args, fail) => {
    expectArgs('default', args, 1, fail);
    const fallback = args[0];
    return (v) => (v === undefined || v === null || v === '' ? fallback : v);
  },
  truncate: (args, fail) => {
    expectArgs('truncate', args, 1, fail);
    const arg = args[0];
    if (typeof arg !== 'number' || !Number.isInteger(arg) || arg < 0)
      return fail(`filter "truncate" needs a whole number of characters, e.g. truncate(40)`);
    const n = arg;
    return (v) => {
      const text = toText(v);
      return text.length > n ? text.slice(0, n) : text;
    };
  },
};

/** Names of the filters templates understand, for error messages and docs. */
export const templateFilters: readonly string[] = Object.keys(FILTERS);

/** Reads the scanned expression inside one `{{ … }}`; `offset` is where it starts in the whole template. */
class ExpressionParser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly offset: number,
    private readonly fail: (message: string, at: number) => never,
  ) {}

  parse(): (record: DataRecord) => unknown {
    this.space();
    const path = this.path();
    const filters: Filter[] = [];
    this.space();
    while (this.pos < this.text.length) {
      if (this.text[this.pos] !== '|') this.error(`expected "|" or "}}" but found "${this.text[this.pos]}"`);
      this.pos++;
      this.space();
      const at = this.pos;
      const name = this.identifier('a filter name');
      const factory = Object.hasOwn(FILTERS, name) ? FILTERS[name] : undefined;
      if (!factory)
        this.fail(`unknown filter "${name}"; known filters: ${templateFilters.join(', ')}`, this.offset + at);
      const args = this.args();
      filters.push(factory(args, (message) => this.fail(message, this.offset + at)));
      this.space();
    }
    return readerFor(path, filters);
  }

  private path(): string[] {
    const parts = [this.identifier('a field name')];
    while (this.text[this.pos] === '.') {
      this.pos++;
      parts.push(this.identifier('a field name after "."'));
    }
    return parts;
  }

  private identifier(what: string): string {
    const match = /^[A-Za-z_$][\w$-]*|^\d+/.exec(this.text.slice(this.pos));
    if (!match)
      this.error(
        this.pos >= this.text.length ? `expected ${what}` : `expected ${what} but found "${this.text[this.pos]}"`,
      );
    this.pos += match[0].length;
    return match[0];
  }

  private args(): Array<string | number> {
    this.space();
    if (this.text[this.pos] !== '(') return [];
    this.pos++;
    const args: Array<string | number> = [];
    this.space();
    if (this.text[this.pos] === ')') return (this.pos++, args);
    for (;;) {
      this.space();
      args.push(this.literal());
      this.space();
      const c = this.text[this.pos++];
      if (c === ')') return args;
      if (c !== ',')
        this.error(
          c === undefined ? 'missing ")" after filter arguments' : `expected "," or ")" but found "${c}"`,
          this.pos - 1,
        );
    }
  }

  private literal(): string | number {
    const c = this.text[this.pos];
    if (c === "'" || c === '"') {
      let value = '';
      for (let i = this.pos + 1; i < this.text.length; i++) {
        const ch = this.text[i];
        if (ch === '\\' && i + 1 < this.text.length) value += this.text[++i];
        else if (ch === c) return ((this.pos = i + 1), value);
        else value += ch;
      }
      this.error(`unterminated string starting here; close it with ${c}`);
    }
    const number = /^-?\d+(\.\d+)?/.exec(this.text.slice(this.pos));
    if (!number) this.error(`expected a quoted string or a number${c === undefined ? '' : ` but found "${c}"`}`);
    this.pos += number[0].length;
    return Number(number[0]);
  }

  private space(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private error(message: string, at = this.pos): never {
    this.fail(message, this.offset + at);
  }
}

function readerFor(path: string[], filters: Filter[]): (record: DataRecord) => unknown {
  // Own properties only: `{{ constructor }}` must not reach into the prototype.
  const first = path[0];
  const read =
    path.length === 1
      ? (record: DataRecord) => (Object.hasOwn(record, first) ? record[first] : undefined)
      : (record: DataRecord) => {
          let value: unknown = record;
          for (const key of path) {
            if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
            value = (value as DataRecord)[key];
          }
          return value;
        };
  if (filters.length === 0) return read;
  return (record) => {
    let value = read(record);
    for (const filter of filters) value = filter(value);
    return value;
  };
}

/** 1-based line and column of `index` in `text`. */
function lineCol(text: string, index: number): { line: number; col: number } {
  const before = text.slice(0, index).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

export interface CompileTemplateOptions {
  /** Where the template comes from, for error messages, e.g. `steps.contacts.config.fields.email`. */
  name?: string;
}

/**
 * Compiles a template once; the returned function renders a record. Missing fields render as empty text.
 * @throws ConfigError naming the template and the position (line:col) of the first problem.
 * @example compileTemplate('{{ name | slug }}.{{ sex | lower }}@babynames.example.com')({ name: 'Zoë', sex: 'F' })
 *   // 'zoe.f@babynames.example.com'
 */
export function compileTemplate(source: string, options: CompileTemplateOptions = {}): CompiledTemplate {
  const label = options.name ? `${options.name} (${JSON.stringify(source)})` : JSON.stringify(source);
  const fail = (message: string, at: number): never => {
    const { line, col } = lineCol(source, at);
    const where = line === 1 ? `column ${col}` : `line ${line}, column ${col}`;
    throw new ConfigError(`Template ${label} is invalid at ${where}: ${message}`, [], {
      code: 'TEMPLATE_INVALID',
      suggestions: [
        "Write fields as {{ field }} or {{ a.b }}, and filters as {{ field | lower }} or {{ field | default('x') }}.",
        `Known filters: ${templateFilters.join(', ')}.`,
      ],
      context: { template: source, line, col, ...(options.name ? { name: options.name } : {}) },
    });
  };

  const parts: Array<string | ((record: DataRecord) => unknown)> = [];
  let pos = 0;
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    if (open === -1) {
      parts.push(source.slice(pos));
      break;
    }
    if (open > pos) parts.push(source.slice(pos, open));
    const close = source.indexOf('}}', open + 2);
    if (close === -1) fail('"{{" is never closed with "}}"', open);
    const inner = source.slice(open + 2, close);
    if (inner.includes('{{')) fail('"{{" is never closed with "}}" before the next "{{"', open);
    parts.push(new ExpressionParser(inner, open + 2, fail).parse());
    pos = close + 2;
  }

  if (parts.length === 0) return () => '';
  if (parts.length === 1) {
    const only = parts[0];
    return typeof only === 'string' ? () => only : (record) => toText(only(record));
  }
  return (record) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : toText(part(record));
    return out;
  };
}

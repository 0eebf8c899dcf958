import { describe, expect, test } from 'vitest';
import { ConfigError, compileTemplate, slugify } from '@etl/core';

describe('compileTemplate', () => {
  test('renders fields, nested fields and literal text', () => {
    const render = compileTemplate('Hello {{ name }} from {{address.city}}!');
    expect(render({ name: 'Ann', address: { city: 'Oslo' } })).toBe('Hello Ann from Oslo!');
  });

  test('missing and null fields render as empty text; numbers as text', () => {
    const render = compileTemplate('[{{ a }}|{{ b.c }}|{{ n }}]');
    expect(render({ a: null, n: 1880 })).toBe('[||1880]');
  });

  test('the babynames email template', () => {
    const render = compileTemplate('{{ name | slug }}.{{ sex | lower }}@babynames.example.com');
    expect(render({ name: 'Zoë', sex: 'F' })).toBe('zoe.f@babynames.example.com');
    expect(render({ name: "  D'Andre Jr. ", sex: 'M' })).toBe('d-andre-jr.m@babynames.example.com');
  });

  test('filters chain left to right', () => {
    expect(compileTemplate('{{ x | trim | upper }}')({ x: '  ab ' })).toBe('AB');
    expect(compileTemplate('{{ x | default("n/a") | upper }}')({})).toBe('N/A');
    expect(compileTemplate("{{ x | default('none') }}")({ x: '' })).toBe('none');
    expect(compileTemplate("{{ x | default('none') }}")({ x: 0 })).toBe('0');
    expect(compileTemplate('{{ x | truncate(3) }}')({ x: 'abcdef' })).toBe('abc');
    expect(compileTemplate('{{ x | string | truncate(2) }}')({ x: 12345 })).toBe('12');
    expect(compileTemplate("{{ x | default('it\\'s') }}")({})).toBe("it's");
  });

  test('slug strips accents, lowercases and collapses other characters', () => {
    expect(slugify('Ångström Über--Café')).toBe('angstrom-uber-cafe');
    expect(slugify('--Hello, World!--')).toBe('hello-world');
    expect(slugify('ﬁ')).toBe('fi'); // NFKD splits the ligature
  });

  test('slug keeps names with no ASCII form distinct and never empty', () => {
    const persian = slugify('مریم');
    expect(persian).toMatch(/^u-[0-9a-f]{8}$/);
    expect(slugify('مریم')).toBe(persian);
    expect(slugify('مهسا')).not.toBe(persian);
    expect(slugify('😀Zoë')).toMatch(/^zoe-[0-9a-f]{8}$/);
    expect(slugify('Zoë')).toBe('zoe');
  });

  test('a template without fields is returned as is', () => {
    expect(compileTemplate('plain')({})).toBe('plain');
    expect(compileTemplate('')({})).toBe('');
  });

  test('an unknown filter is a ConfigError naming the template, the position and the known filters', () => {
    let error: unknown;
    try {
      compileTemplate('{{ name | shout }}', { name: 'steps.c.config.fields.x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('TEMPLATE_INVALID');
    expect((error as Error).message).toBe(
      'Template steps.c.config.fields.x ("{{ name | shout }}") is invalid at column 11: unknown filter "shout"; ' +
        'known filters: lower, upper, trim, slug, string, default, truncate',
    );
  });

  test.each([
    ['{{ name ', 'column 1: "{{" is never closed with "}}"'],
    ['ab {{ }}', 'column 7: expected a field name'],
    ['{{ a b }}', 'column 6: expected "|" or "}}" but found "b"'],
    ['{{ a | truncate(x) }}', 'column 17: expected a quoted string or a number but found "x"'],
    ['{{ a | truncate }}', 'column 8: filter "truncate" takes 1 argument, got 0'],
    ["{{ a | default('x) }}", 'unterminated string'],
    ['line one\n{{ a | nope }}', 'line 2, column 8: unknown filter "nope"'],
  ])('rejects %j', (source, expected) => {
    expect(() => compileTemplate(source)).toThrow(expected);
  });

  test('no code is evaluated', () => {
    expect(() => compileTemplate('{{ constructor.constructor("return 1")() }}')).toThrow(ConfigError);
    expect(compileTemplate('{{ constructor }}|{{ a.toString }}')({ a: {} })).toBe('|');
  });
});

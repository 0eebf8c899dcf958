import { ConfigError } from '@etl/core';

/**
 * What a table, column or database name may be: a letter or `_`, then letters, digits, `_` or `$`, at most 64
 * characters (MySQL's limit). Stricter than MySQL on purpose: names that pass need no escaping to be safe anywhere,
 * including the places TypeORM puts a database name inside quotes (`WHERE TABLE_SCHEMA = '…'`).
 */
export const IDENTIFIER_PATTERN = '^[A-Za-z_][A-Za-z0-9_$]{0,63}$';
const IDENTIFIER = new RegExp(IDENTIFIER_PATTERN);

export const isIdentifier = (name: string): boolean => IDENTIFIER.test(name);

/**
 * Backquotes an identifier for SQL. Every identifier that reaches a statement goes through here, and one that is not
 * a plain identifier is refused rather than escaped: config checks should have stopped it, so reaching this is a bug.
 */
export function quoteId(name: string): string {
  if (!isIdentifier(name)) {
    throw new ConfigError(`${JSON.stringify(name)} is not a valid MySQL identifier`, [], {
      code: 'MYSQL_IDENTIFIER_INVALID',
      suggestions: ['Use letters, digits, _ and $ only, starting with a letter or _, at most 64 characters.'],
    });
  }
  return `\`${name}\``;
}

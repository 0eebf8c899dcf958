import { describe, expect, it } from 'vitest';
import { ConfigError } from '@etl/core';
import mysqlSink, { resolveTarget } from '@etl/sink-mysql';
import { quoteId } from '../src/identifiers.js';
import { configOf } from './helpers.js';

describe('identifiers reaching SQL', () => {
  it('a database name with a quote in MYSQL_URL is refused (it reached a TypeORM query inside quotes)', () => {
    const url = "mysql://root@127.0.0.1:3306/etl'%20OR%20'1'='1";
    const attempt = () => resolveTarget(configOf({ url }));
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/database name "etl' OR '1'='1" is not a valid identifier/);
  });

  it('`etl validate` reports it at the url (checkConfig), without the password', () => {
    const problems = mysqlSink().checkConfig?.(configOf({ url: 'mysql://root:s3cret@db/etl%60x' }));
    expect(problems).toEqual([{ path: 'url', message: expect.stringContaining('"etl`x" is not a valid identifier') }]);
    expect(JSON.stringify(problems)).not.toContain('s3cret');
  });

  it('ordinary names still pass', () => {
    expect(resolveTarget(configOf({ url: 'mysql://root@127.0.0.1/etl_test_1' })).database).toBe('etl_test_1');
    expect(mysqlSink().checkConfig?.(configOf({ url: 'mysql://root@127.0.0.1/etl' }))).toEqual([]);
  });

  it('the one quoting helper refuses anything but a plain identifier instead of escaping it', () => {
    expect(quoteId('baby_names')).toBe('`baby_names`');
    expect(() => quoteId('a`; DROP TABLE x; --')).toThrow(/not a valid MySQL identifier/);
    expect(() => quoteId("x'y")).toThrow(ConfigError);
  });
});

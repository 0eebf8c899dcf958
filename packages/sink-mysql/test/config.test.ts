import { describe, expect, it } from 'vitest';
import { ConfigError } from '@etl/core';
import { BABY_NAMES_COLUMNS, configSchema, resolveTarget } from '@etl/sink-mysql';
import { resolveColumns } from '../src/config.js';
import { grantedPrivileges } from '../src/check.js';
import { configOf } from './helpers.js';

describe('connection settings', () => {
  it('reads every part of the URL, decoding user and password', () => {
    expect(resolveTarget(configOf({ url: 'mysql://loader:p%40ss%3Aw0rd@db.internal:3307/warehouse' }))).toEqual({
      host: 'db.internal',
      port: 3307,
      user: 'loader',
      password: 'p@ss:w0rd',
      database: 'warehouse',
    });
  });

  it('separate fields override the URL, and defaults fill the rest', () => {
    expect(
      resolveTarget(
        configOf({ url: 'mysql://127.0.0.1/etl', user: 'me', password: 'pw', port: 3310, database: 'other' }),
      ),
    ).toEqual({
      host: '127.0.0.1',
      port: 3310,
      user: 'me',
      password: 'pw',
      database: 'other',
    });
    expect(resolveTarget(configOf({}))).toEqual({
      host: '127.0.0.1',
      port: 3306,
      user: 'root',
      password: undefined,
      database: 'etl',
    });
  });

  it('a malformed URL is a ConfigError that does not echo the URL (it may hold a password)', () => {
    const attempt = () => resolveTarget(configOf({ url: 'mysql://root:Hunter2-secret@[bad host/etl' }));
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/not a valid URL/);
    try {
      attempt();
    } catch (error) {
      expect(JSON.stringify({ m: (error as Error).message, s: (error as ConfigError).suggestions })).not.toContain(
        'Hunter2',
      );
    }
  });

  it('a URL without a database is refused with an example', () => {
    expect(() => resolveTarget(configOf({ url: 'mysql://root@127.0.0.1:3306' }))).toThrow(/names no database/);
  });
});

describe('column mapping', () => {
  it('defaults to the baby-names mapping only for baby_names', () => {
    expect(resolveColumns(configOf({}))).toEqual(BABY_NAMES_COLUMNS);
    expect(resolveColumns(configOf({ table: 'cities', columns: { code: 'city_code' } }))).toEqual({
      code: 'city_code',
    });
    expect(() => resolveColumns(configOf({ table: 'cities' }))).toThrow(/no `columns` mapping/);
  });
});

describe('configSchema', () => {
  const props = configSchema.properties as Record<string, Record<string, unknown>>;
  it('marks url and password secret and describes every field', () => {
    expect(props.url.secret).toBe(true);
    expect(props.password.secret).toBe(true);
    for (const [name, field] of Object.entries(props)) expect(typeof field.description, name).toBe('string');
  });
});

describe('grantedPrivileges', () => {
  it('collects global, exact and wildcard schema grants for the database', () => {
    const grants = [
      'GRANT USAGE ON *.* TO `loader`@`%`',
      'GRANT SELECT, INSERT ON `etl`.* TO `loader`@`%`',
      'GRANT UPDATE ON `etl\\_%`.* TO `loader`@`%`',
      'GRANT DELETE ON `other`.* TO `loader`@`%`',
      'GRANT ALTER ON `etl`.`baby_names` TO `loader`@`%`',
    ];
    expect([...grantedPrivileges(grants, 'etl')].sort()).toEqual(['INSERT', 'SELECT', 'USAGE']);
    expect([...grantedPrivileges(grants, 'etl_prod')].sort()).toEqual(['UPDATE', 'USAGE']);
    expect(
      grantedPrivileges(['GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION'], 'x').has('INDEX'),
    ).toBe(true);
  });
});

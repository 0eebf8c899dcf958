import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtlError } from '@etl/core';
import { resolveTarget } from '@etl/sink-mysql';
import { driverOptions, ensureDatabase } from '../src/data-source.js';
import { configOf } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'etl-mysql-tls-'));
  await writeFile(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nnot-a-real-ca\n-----END CERTIFICATE-----\n');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('TLS to MySQL', () => {
  it('`ssl: { ca }` verifies by default and passes the CA to the driver', () => {
    const target = resolveTarget(configOf({ url: 'mysql://u:p@db.example.com/etl', ssl: { ca: join(dir, 'ca.pem') } }));
    expect(target.tls).toEqual({ ca: join(dir, 'ca.pem'), verify: true });
    expect(driverOptions(target).ssl).toEqual({
      ca: expect.stringContaining('not-a-real-ca'),
      rejectUnauthorized: true,
    });
  });

  it('`?ssl=true` in MYSQL_URL turns it on (verified); `ssl: false` in the step wins', () => {
    expect(resolveTarget(configOf({ url: 'mysql://u@db.example.com/etl?ssl=true' })).tls).toEqual({ verify: true });
    expect(resolveTarget(configOf({ url: 'mysql://u@db.example.com/etl?ssl=true', ssl: false })).tls).toBeUndefined();
    expect(() => resolveTarget(configOf({ url: 'mysql://u@db.example.com/etl?ssl=maybe' }))).toThrow(
      /expected \?ssl=true or \?ssl=false/,
    );
    expect(driverOptions(resolveTarget(configOf({ url: 'mysql://u@127.0.0.1/etl' }))).ssl).toBeUndefined();
  });

  it('asking for TLS from a server without it fails clearly instead of falling back to plain text', async () => {
    // The local MariaDB has have_ssl=DISABLED: without the option, this connected in clear.
    const target = resolveTarget({
      url: `${`${process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/etl'}`.replace(/\?.*$/, '')}?ssl=true`,
    });
    const error = await ensureDatabase(target, false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EtlError);
    expect((error as EtlError).code).toMatch(/^MYSQL_TLS_/);
  });
});

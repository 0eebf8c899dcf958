import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConfigDefaults, EtlError } from '@etl/core';
import { openEntry } from '../src/archive.js';
import { createTestContext } from '@etl/testing';
import { createHttp, viewDataset } from '../src/http.js';
import { configSchema, kaggleSource } from '@etl/source-kaggle';

/** A one-entry zip; `declared` is the inflated size its headers claim (a bomb may lie). */
function zipOf(name: string, content: Buffer, declared = content.length): Buffer {
  const data = deflateRawSync(content, { level: 9 });
  const file = Buffer.from(name);
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(declared, 22);
  local.writeUInt16LE(file.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(declared, 24);
  central.writeUInt16LE(file.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + file.length, 12);
  end.writeUInt32LE(local.length + file.length + data.length, 16);
  return Buffer.concat([local, file, data, central, file, end]);
}

let dir: string;
let server: Server;
let baseUrl: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'etl-kaggle-limits-'));
  // An API that answers with 40 MB of JSON instead of a dataset view.
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"pad":"${'x'.repeat(40 * 1024 * 1024)}"}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await new Promise((resolve) => server.close(resolve));
});

async function drain(path: string, max: number): Promise<number> {
  const entry = await openEntry(path, 'x.csv', max);
  let bytes = 0;
  try {
    for await (const chunk of entry.stream) bytes += (chunk as Buffer).length;
  } finally {
    entry.close();
  }
  return bytes;
}

describe('a zip bomb stops at maxEntryBytes', () => {
  const inflated = Buffer.alloc(64 * 1024 * 1024, 0x61);

  it('an entry whose header says it inflates past the cap is refused before inflating', async () => {
    const path = join(dir, 'honest.zip');
    writeFileSync(path, zipOf('x.csv', inflated));
    const error = await drain(path, 1024 * 1024).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EtlError);
    expect((error as EtlError).code).toBe('KAGGLE_ENTRY_TOO_LARGE');
  });

  it('an entry that lies about its size is stopped as it streams', async () => {
    const path = join(dir, 'liar.zip');
    writeFileSync(path, zipOf('x.csv', inflated, 1000));
    await expect(drain(path, 1024 * 1024)).rejects.toThrow();
  });

  it("the step's `maxEntryBytes` is the cap `read` applies", async () => {
    const path = join(dir, 'configured.zip');
    writeFileSync(path, zipOf('x.csv', Buffer.from(`YearOfBirth,Name,Sex,Number\n${'2000,Ann,F,5\n'.repeat(200)}`)));
    const ctx = await createTestContext();
    const config = applyConfigDefaults(configSchema, {
      dataset: 'o/d',
      file: 'x.csv',
      mode: 'file',
      path,
      maxEntryBytes: 1000,
    });
    const read = async () => {
      for await (const _batch of kaggleSource().read(ctx, config, undefined));
    };
    const error = await read().catch((e: unknown) => e);
    await ctx.dispose();
    expect((error as EtlError).code).toBe('KAGGLE_ENTRY_TOO_LARGE');
  });

  it('an entry within the cap reads in full', async () => {
    const path = join(dir, 'fine.zip');
    writeFileSync(path, zipOf('x.csv', Buffer.from('a,b\n1,2\n')));
    expect(await drain(path, 1024 * 1024)).toBe(8);
  });
});

describe('HTTP response size', () => {
  it('an API answer larger than the cap is refused, not buffered', async () => {
    const ctx = await createTestContext();
    const http = createHttp(ctx, baseUrl, { kind: 'bearer', token: 'KGAT_x' } as never);
    const error = await viewDataset(http, 'o/d', 'x.csv', new AbortController().signal).catch((e: unknown) => e);
    await ctx.dispose();
    expect(error).toBeInstanceOf(Error);
    expect((error as EtlError).code).toBe('KAGGLE_RESPONSE_TOO_LARGE');
    expect(String((error as Error).message)).toMatch(/is larger than 16777216 bytes; refused/);
  });
});

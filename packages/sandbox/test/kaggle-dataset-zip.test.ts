import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKaggleSandbox } from '../src/kaggle/index.js';
import { yazl } from '../src/kaggle/yazl.js';
import type { KaggleSandbox } from '../src/types.js';
import { CSV, REF, hashHeader, md5, unzip } from './helpers/kaggle.js';

describe('Kaggle sandbox API (a given dataset zip)', () => {
  let dir: string;
  let sandbox: KaggleSandbox;
  let big: Buffer;
  const readme = Buffer.from('# A readme\n');
  const api = (path: string) =>
    fetch(`${sandbox.baseUrl}/api/v1${path}`, {
      redirect: 'manual',
      headers: { authorization: `Bearer ${sandbox.credentials.token}` },
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaggle-sandbox-test-'));
    // Over the 1 MB line above which Kaggle zips a single file.
    const rows = ['YearOfBirth,Name,Sex,Number'];
    for (let i = 0; rows.length < 80_000; i++)
      rows.push(`${1880 + (i % 141)},Name${i},${i % 2 ? 'M' : 'F'},${5 + (i % 900)}`);
    big = Buffer.from(`${rows.join('\n')}\n`);
    expect(big.length).toBeGreaterThan(1_000_000);
    await writeFile(join(dir, 'big.csv'), big);
    await writeFile(join(dir, 'README.md'), readme);
    const zip = new yazl.ZipFile();
    zip.addFile(join(dir, 'big.csv'), CSV);
    zip.addFile(join(dir, 'README.md'), 'README.md');
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(join(dir, 'dataset.zip')));
    sandbox = await startKaggleSandbox({ dataset: join(dir, 'dataset.zip'), credentials: { token: 'KGAT_custom' } });
  });
  afterAll(async () => {
    await sandbox?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the zip entries with their sizes and accepts the overridden token only', async () => {
    const body = (await (await api(`/datasets/list/${REF}`)).json()) as any;
    expect(body.datasetFiles.map((file: { name: string; totalBytes: number }) => [file.name, file.totalBytes])).toEqual(
      [
        [CSV, big.length],
        ['README.md', readme.length],
      ],
    );
    const old = await fetch(`${sandbox.baseUrl}/api/v1/datasets/list/${REF}`, {
      headers: { authorization: 'Bearer KGAT_sandbox_token' },
    });
    expect(old.status).toBe(401);
  });

  it('serves the given zip itself as archive.zip', async () => {
    const response = await fetch((await api(`/datasets/download/${REF}`)).headers.get('location')!);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.equals(await readFile(join(dir, 'dataset.zip')))).toBe(true);
    expect(hashHeader(response).md5).toBe(md5(bytes));
  });

  it('zips a large single file as <name>.zip holding only that file, and sends small files raw', async () => {
    const redirect = await api(`/datasets/download/${REF}/${CSV}`);
    const location = new URL(redirect.headers.get('location')!);
    expect(location.pathname.endsWith(`/compressed/${CSV}.zip`)).toBe(true);
    const response = await fetch(location);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(hashHeader(response).md5).toBe(md5(bytes));
    const entries = await unzip(bytes);
    expect([...entries.keys()]).toEqual([CSV]);
    expect(entries.get(CSV)!.equals(big)).toBe(true);

    const raw = await fetch((await api(`/datasets/download-raw/${REF}/${CSV}`)).headers.get('location')!);
    expect(Buffer.from(await raw.arrayBuffer()).equals(big)).toBe(true);
    const small = await fetch((await api(`/datasets/download/${REF}/README.md`)).headers.get('location')!);
    expect(Buffer.from(await small.arrayBuffer()).equals(readme)).toBe(true);
  });

  it('refuses to start on a file that is not a zip, saying which', async () => {
    await writeFile(join(dir, 'not.zip'), 'plain text');
    await expect(startKaggleSandbox({ dataset: join(dir, 'not.zip') })).rejects.toThrow(
      /cannot read the dataset zip .*not\.zip/,
    );
  });
});

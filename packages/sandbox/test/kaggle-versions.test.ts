import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKaggleSandbox } from '../src/kaggle/index.js';
import { yazl } from '../src/kaggle/yazl.js';
import type { KaggleSandbox } from '../src/types.js';
import { CSV, REF, unzip } from './helpers/kaggle.js';

describe('Kaggle sandbox: a new dataset version', () => {
  let dir: string;
  let sandbox: KaggleSandbox;
  const api = (path: string) =>
    fetch(`${sandbox.baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${sandbox.credentials.token}` } });
  const served = async () =>
    (await unzip(Buffer.from(await (await api(`/datasets/download/${REF}`)).arrayBuffer()))).get(CSV)!.toString('utf8');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaggle-versions-'));
    await writeFile(join(dir, 'v2.csv'), 'YearOfBirth,Name,Sex,Number\n2020,Newname,F,7\n');
    const zip = new yazl.ZipFile();
    zip.addFile(join(dir, 'v2.csv'), CSV);
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(join(dir, 'v2.zip')));
    sandbox = await startKaggleSandbox({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await sandbox?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('bumps the version the API reports and serves the new files', async () => {
    const before = (await (await api(`/datasets/view/${REF}`)).json()) as { currentVersionNumber: number };
    expect(before.currentVersionNumber).toBe(1);
    expect((await served()).split('\n').length).toBeGreaterThan(1000);

    expect(await sandbox.publishVersion(join(dir, 'v2.zip'))).toBe(2);
    const after = (await (await api(`/datasets/view/${REF}`)).json()) as {
      currentVersionNumber: number;
      versions: Array<{ versionNumber: number }>;
    };
    expect(after.currentVersionNumber).toBe(2);
    expect(after.versions[0].versionNumber).toBe(2);
    expect(await served()).toBe('YearOfBirth,Name,Sex,Number\n2020,Newname,F,7\n');

    // Without a zip only the number moves (a re-upload of the same files).
    expect(await sandbox.publishVersion()).toBe(3);
  });
});

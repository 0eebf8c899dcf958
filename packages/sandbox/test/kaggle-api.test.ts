import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startKaggleSandbox } from '../src/kaggle/index.js';
import { SAMPLE_CSV_PATH } from '../src/kaggle/dataset.js';
import { crc32c, crc32cBase64 } from '../src/kaggle/hash.js';
import { createUrlSigner } from '../src/kaggle/signing.js';
import type { KaggleSandbox } from '../src/types.js';
import { CSV, REF, hashHeader, md5, unzip } from './helpers/kaggle.js';

describe('Kaggle sandbox API (sample dataset)', () => {
  let sandbox: KaggleSandbox;
  let basic: string;
  let bearer: string;
  let sample: Buffer;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${sandbox.baseUrl}/api/v1${path}`, {
      redirect: 'manual',
      ...init,
      headers: { authorization: basic, ...init.headers },
    });

  beforeAll(async () => {
    sandbox = await startKaggleSandbox({ host: '127.0.0.1', port: 0 });
    basic = `Basic ${Buffer.from(`${sandbox.credentials.username}:${sandbox.credentials.key}`).toString('base64')}`;
    bearer = `Bearer ${sandbox.credentials.token}`;
    sample = await readFile(SAMPLE_CSV_PATH);
  });
  afterAll(() => sandbox?.close());
  beforeEach(() => sandbox.setBehaviours({}));

  it('uses the agreed default credentials and dataset', () => {
    expect(sandbox.credentials).toEqual({
      email: 'demo@sandbox.local',
      password: 'sandbox-password',
      username: 'sandbox',
      key: 'sandbox-key',
      token: 'KGAT_sandbox_token',
    });
    expect(sandbox.datasetRef).toBe(REF);
    expect(sandbox.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('views the dataset with Basic and with Bearer auth', async () => {
    for (const authorization of [basic, bearer]) {
      const response = await api(`/datasets/view/${REF}`, { headers: { authorization } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as any;
      expect(body).toMatchObject({ ref: REF, currentVersionNumber: 1, totalBytes: sample.length });
      expect(typeof body.title).toBe('string');
      expect(Number.isNaN(Date.parse(body.lastUpdated))).toBe(false);
      expect(body.files).toEqual([expect.objectContaining({ name: CSV, totalBytes: sample.length })]);
      expect(Number.isNaN(Date.parse(body.files[0].creationDate))).toBe(false);
      expect(body.versions[0].versionNumber).toBe(1);
    }
  });

  it('lists the dataset files', async () => {
    const response = await api(`/datasets/list/${REF}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(body.errorMessage).toBeNull();
    expect(body.nextPageToken).toBe('');
    expect(body.datasetFiles.map((file: { name: string; totalBytes: number }) => [file.name, file.totalBytes])).toEqual(
      [[CSV, sample.length]],
    );
  });

  it('answers 401 without credentials and with wrong ones, in either scheme', async () => {
    const wrong = [
      undefined,
      `Basic ${Buffer.from('sandbox:wrong-key').toString('base64')}`,
      `Basic ${Buffer.from(`nobody:${sandbox.credentials.key}`).toString('base64')}`,
      // A KGAT_ token is only valid as Bearer.
      `Basic ${Buffer.from(`sandbox:${sandbox.credentials.token}`).toString('base64')}`,
      'Bearer KGAT_wrong',
      `Token ${sandbox.credentials.token}`,
    ];
    for (const authorization of wrong) {
      const response = await fetch(`${sandbox.baseUrl}/api/v1/datasets/view/${REF}`, {
        headers: authorization ? { authorization } : {},
      });
      expect(response.status, String(authorization)).toBe(401);
      expect(await response.json()).toEqual({ code: 401, message: 'Unauthorized' });
    }
  });

  it('answers JSON 404 for an unknown dataset, version, file or route', async () => {
    for (const path of [
      '/datasets/view/nobody/nothing',
      '/datasets/list/nobody/nothing',
      `/datasets/view/${REF}?datasetVersionNumber=7`,
      `/datasets/download/nobody/nothing`,
      `/datasets/download/${REF}/no-such-file.csv`,
      '/no/such/route',
    ]) {
      const response = await api(path);
      expect(response.status, path).toBe(404);
      expect(await response.json()).toEqual({ code: 404, message: 'Not Found' });
    }
  });

  it('answers 403 for the gated dataset while still describing it', async () => {
    expect((await api('/datasets/view/sandbox/private-dataset')).status).toBe(200);
    for (const path of [
      '/datasets/download/sandbox/private-dataset',
      `/datasets/download/sandbox/private-dataset/${CSV}`,
    ]) {
      const response = await api(path);
      expect(response.status, path).toBe(403);
      expect(await response.json()).toEqual({ code: 403, message: 'Forbidden' });
    }
  });

  it('redirects the dataset download to a signed archive.zip whose hashes match its bytes', async () => {
    const redirect = await api(`/datasets/download/${REF}?datasetVersionNumber=1`);
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get('location')!);
    expect(location.origin).toBe(sandbox.baseUrl);
    expect(location.pathname).toMatch(/^\/storage\/kaggle-data-sets\/\d+\/\d+\/bundle\/archive\.zip$/);
    for (const param of ['X-Goog-Algorithm', 'X-Goog-Expires', 'X-Goog-Signature'])
      expect(location.searchParams.get(param)).toBeTruthy();

    // Storage links need no Authorization: the signature is the credential.
    const response = await fetch(location);
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-length')).toBe(String(bytes.length));
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(Number.isNaN(Date.parse(response.headers.get('last-modified')!))).toBe(false);
    const hashes = hashHeader(response);
    expect(hashes.md5).toBe(md5(bytes));
    expect(hashes.crc32c).toBe(crc32cBase64(crc32c(bytes)));
    const entries = await unzip(bytes);
    expect([...entries.keys()]).toEqual([CSV]);
    expect(entries.get(CSV)!.equals(sample)).toBe(true);
  });

  it('follows the whole 302 chain with fetch', async () => {
    const response = await fetch(`${sandbox.baseUrl}/api/v1/datasets/download/${REF}`, {
      headers: { authorization: bearer },
    });
    expect(response.status).toBe(200);
    expect(response.url).toContain('/bundle/archive.zip');
    expect((await unzip(Buffer.from(await response.arrayBuffer()))).has(CSV)).toBe(true);
  });

  it('serves a small single file raw, by download and download-raw', async () => {
    for (const route of ['download', 'download-raw']) {
      const redirect = await api(`/datasets/${route}/${REF}/${CSV}`);
      expect(redirect.status).toBe(302);
      const location = new URL(redirect.headers.get('location')!);
      expect(location.pathname.endsWith(`/${CSV}`)).toBe(true);
      const response = await fetch(location);
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(response.headers.get('content-type')).toBe('text/csv');
      expect(bytes.equals(sample)).toBe(true);
      expect(hashHeader(response).md5).toBe(md5(sample));
    }
  });

  it('honours Range requests with 206 and Content-Range, and refuses unsatisfiable ones', async () => {
    const location = (await api(`/datasets/download/${REF}/${CSV}`)).headers.get('location')!;
    const open = await fetch(location, { headers: { range: 'bytes=1000-' } });
    expect(open.status).toBe(206);
    expect(open.headers.get('content-range')).toBe(`bytes 1000-${sample.length - 1}/${sample.length}`);
    expect(Buffer.from(await open.arrayBuffer()).equals(sample.subarray(1000))).toBe(true);

    const closed = await fetch(location, { headers: { range: 'bytes=10-19' } });
    expect(closed.status).toBe(206);
    expect(closed.headers.get('content-length')).toBe('10');
    expect(Buffer.from(await closed.arrayBuffer()).equals(sample.subarray(10, 20))).toBe(true);

    const head = await fetch(location, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(sample.length));
    expect(head.headers.get('x-goog-hash')).toContain(`md5=${md5(sample)}`);

    const beyond = await fetch(location, { headers: { range: `bytes=${sample.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${sample.length}`);
    await beyond.arrayBuffer();
  });

  it('refuses tampered, unsigned and expired storage links with GCS-style XML', async () => {
    const location = new URL((await api(`/datasets/download/${REF}`)).headers.get('location')!);

    const badSignature = new URL(location);
    const signature = badSignature.searchParams.get('X-Goog-Signature')!;
    badSignature.searchParams.set('X-Goog-Signature', `${signature[0] === 'a' ? 'b' : 'a'}${signature.slice(1)}`);
    const otherPath = new URL(location);
    otherPath.pathname = otherPath.pathname.replace('bundle/archive.zip', CSV);
    const longer = new URL(location);
    longer.searchParams.set('X-Goog-Expires', '999999999');
    for (const url of [badSignature, otherPath, longer]) {
      const response = await fetch(url);
      expect(response.status, url.toString()).toBe(403);
      expect(response.headers.get('content-type')).toContain('application/xml');
      expect(await response.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    }
    const unsigned = await fetch(`${location.origin}${location.pathname}`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('signs links that expire after three days', () => {
    const signer = createUrlSigner();
    const signedAt = new Date('2025-01-01T00:00:00Z');
    const url = new URL(signer.sign('/storage/x', signedAt), 'http://sandbox');
    const query = Object.fromEntries(url.searchParams);
    expect(signer.check(url.pathname, query, new Date('2025-01-03T23:59:00Z'))).toEqual({ ok: true });
    expect(signer.check(url.pathname, query, new Date('2025-01-04T00:00:01Z'))).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(createUrlSigner().check(url.pathname, query, signedAt)).toEqual({ ok: false, reason: 'tampered' });
  });

  it('computes CRC32C as GCS does (the standard check value)', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    // Chunked input gives the same result as one piece.
    expect(crc32c(Buffer.from('56789'), crc32c(Buffer.from('1234')))).toBe(0xe3069283);
  });

  it('cuts a download once after N bytes, then lets the Range resume complete it', async () => {
    sandbox.setBehaviours({ cutDownloadAfterBytes: 1000 });
    const location = new URL((await api(`/datasets/download/${REF}/${CSV}`)).headers.get('location')!);

    // node:http shows what arrived before the connection dropped.
    const first = await new Promise<{ status: number; length: string; md5: string; body: Buffer; aborted: boolean }>(
      (resolve, reject) => {
        const request = httpRequest(location, (response) => {
          const chunks: Buffer[] = [];
          let aborted = false;
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('aborted', () => (aborted = true));
          response.on('error', () => (aborted = true));
          response.on('close', () =>
            resolve({
              status: response.statusCode!,
              length: String(response.headers['content-length']),
              md5: String(response.headers['x-goog-hash']).split('md5=')[1]!,
              body: Buffer.concat(chunks),
              aborted: aborted || !response.complete,
            }),
          );
        });
        request.on('error', reject);
        request.end();
      },
    );
    expect(first.status).toBe(200);
    expect(first.length).toBe(String(sample.length));
    expect(first.aborted).toBe(true);
    expect(first.body.length).toBe(1000);

    const rest = await fetch(location, { headers: { range: `bytes=${first.body.length}-` } });
    expect(rest.status).toBe(206);
    const whole = Buffer.concat([first.body, Buffer.from(await rest.arrayBuffer())]);
    expect(whole.equals(sample)).toBe(true);
    expect(md5(whole)).toBe(first.md5);

    // Only once per file: a fresh full download now completes.
    const again = await fetch(location);
    expect(Buffer.from(await again.arrayBuffer()).equals(sample)).toBe(true);
    expect(sandbox.stats().cutDownload).toBe(1);
  });

  it('sends a wrong MD5 when corruptMd5 is on', async () => {
    sandbox.setBehaviours({ corruptMd5: true });
    const location = (await api(`/datasets/download/${REF}/${CSV}`)).headers.get('location')!;
    const response = await fetch(location);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.equals(sample)).toBe(true);
    expect(hashHeader(response).md5).not.toBe(md5(bytes));
  });

  it('switches behaviours over HTTP, refuses unknown ones, and reports stats', async () => {
    const set = await fetch(`${sandbox.baseUrl}/__sandbox/behaviours`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ corruptMd5: true }),
    });
    expect(set.status).toBe(200);
    const location = (await api(`/datasets/download/${REF}/${CSV}`)).headers.get('location')!;
    const response = await fetch(location);
    expect(hashHeader(response).md5).not.toBe(md5(Buffer.from(await response.arrayBuffer())));

    const bad = await fetch(`${sandbox.baseUrl}/__sandbox/behaviours`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ explode: true }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).message).toContain('Unknown behaviour "explode"');

    const before = sandbox.stats();
    await api(`/datasets/view/${REF}`);
    await fetch(`${sandbox.baseUrl}/api/v1/datasets/view/${REF}`);
    const stats = (await (await fetch(`${sandbox.baseUrl}/__sandbox/stats`)).json()) as any;
    expect(stats.apiView).toBe((before.apiView ?? 0) + 1);
    expect(stats.unauthorized).toBe((before.unauthorized ?? 0) + 1);
    expect(stats.download).toBeGreaterThan(0);
  });
});

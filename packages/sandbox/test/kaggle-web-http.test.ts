import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startKaggleSandbox } from '../src/kaggle/index.js';
import type { KaggleSandbox } from '../src/types.js';

const REF = 'thedevastator/us-baby-names-by-year-of-birth';
const SIGN_IN = '/api/i/users.LegacyUsersService/EmailSignIn';

/** `name=value` of a Set-Cookie header for `name`, and the header itself. */
function cookieOf(response: Response, name: string): { pair: string; header: string } | undefined {
  const header = response.headers.getSetCookie().find((line) => line.startsWith(`${name}=`));
  return header ? { pair: header.split(';', 1)[0]!, header } : undefined;
}

describe('Kaggle sandbox web routes over plain HTTP', () => {
  let sandbox: KaggleSandbox;
  let xsrf: string;
  const signIn = (
    body: object,
    headers: Record<string, string> = { cookie: `XSRF-TOKEN=${xsrf}`, 'x-xsrf-token': xsrf },
  ) =>
    fetch(`${sandbox.baseUrl}${SIGN_IN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    sandbox = await startKaggleSandbox({ port: 0 });
  });
  afterAll(() => sandbox?.close());
  beforeEach(async () => {
    sandbox.setBehaviours({});
    const login = await fetch(`${sandbox.baseUrl}/account/login`);
    xsrf = cookieOf(login, 'XSRF-TOKEN')!.pair.split('=')[1]!;
  });

  it('serves the method chooser and sets an XSRF-TOKEN cookie readable by page scripts', async () => {
    const response = await fetch(`${sandbox.baseUrl}/account/login`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Sign in with Email');
    const cookie = cookieOf(response, 'XSRF-TOKEN');
    expect(cookie?.pair).toMatch(/^XSRF-TOKEN=.{16,}$/);
    expect(cookie?.header).not.toMatch(/HttpOnly/i);
  });

  it('refuses EmailSignIn without the X-XSRF-TOKEN header or with a different one', async () => {
    const credentials = { email: sandbox.credentials.email, password: sandbox.credentials.password, returnUrl: '/' };
    const attempts: Array<Record<string, string>> = [
      { cookie: `XSRF-TOKEN=${xsrf}` },
      { cookie: `XSRF-TOKEN=${xsrf}`, 'x-xsrf-token': 'other' },
      {},
    ];
    for (const headers of attempts) {
      const response = await signIn(credentials, headers);
      expect(response.status).toBe(403);
      expect(((await response.json()) as any).message).toMatch(/XSRF/);
      expect(cookieOf(response, 'KAGGLEID')).toBeUndefined();
    }
  });

  it('answers a wrong password with the incorrect-credentials message and no session', async () => {
    const response = await signIn({ email: sandbox.credentials.email, password: 'nope', returnUrl: '/' });
    expect(response.status).toBe(401);
    expect(((await response.json()) as any).message).toBe('The email or password you entered is incorrect.');
    expect(cookieOf(response, 'KAGGLEID')).toBeUndefined();
  });

  it('signs in by email or username, sets an HttpOnly session cookie and returns only same-site redirects', async () => {
    for (const email of [sandbox.credentials.email, sandbox.credentials.username]) {
      const response = await signIn({ email, password: sandbox.credentials.password, returnUrl: `/datasets/${REF}` });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ redirectUrl: `/datasets/${REF}` });
      expect(cookieOf(response, 'KAGGLEID')?.header).toMatch(/HttpOnly/i);
    }
    const evil = await signIn({
      email: sandbox.credentials.email,
      password: sandbox.credentials.password,
      returnUrl: '//evil.example/',
    });
    expect(await evil.json()).toEqual({ redirectUrl: '/' });
  });

  it('redirects an anonymous zip download to the login, and serves archive.zip to a session', async () => {
    const path = `/datasets/${REF}/download?datasetVersionNumber=1`;
    const anonymous = await fetch(`${sandbox.baseUrl}${path}`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    const login = new URL(anonymous.headers.get('location')!, sandbox.baseUrl);
    expect(login.pathname).toBe('/account/login');
    expect(login.searchParams.get('returnUrl')).toBe(path);

    const signedIn = await signIn({
      email: sandbox.credentials.email,
      password: sandbox.credentials.password,
      returnUrl: '/',
    });
    const session = cookieOf(signedIn, 'KAGGLEID')!.pair;
    const download = await fetch(`${sandbox.baseUrl}${path}`, { headers: { cookie: session } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="archive.zip"');
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
    expect(download.headers.get('x-goog-hash')).toContain(`md5=${createHash('md5').update(bytes).digest('base64')}`);

    const page = await (await fetch(`${sandbox.baseUrl}/datasets/${REF}`, { headers: { cookie: session } })).text();
    expect(page).toContain(`Welcome, ${sandbox.credentials.username}`);
    expect(page).toContain(`Download dataset as zip (${Math.round(bytes.length / 1000)} kB)`);

    const single = await fetch(`${sandbox.baseUrl}${path}&fileName=babyNamesUSYOB-full.csv`, {
      headers: { cookie: session },
    });
    expect(single.status).toBe(200);
    expect(single.headers.get('content-disposition')).toBe('attachment; filename="babyNamesUSYOB-full.csv.zip"');
    expect(
      Buffer.from(await single.arrayBuffer())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
    const noFile = await fetch(`${sandbox.baseUrl}${path}&fileName=nothing.csv`, { headers: { cookie: session } });
    expect(noFile.status).toBe(404);

    const gated = await fetch(`${sandbox.baseUrl}/datasets/sandbox/private-dataset/download?datasetVersionNumber=1`, {
      headers: { cookie: session },
    });
    expect(gated.status).toBe(403);
    const wrongVersion = await fetch(`${sandbox.baseUrl}/datasets/${REF}/download?datasetVersionNumber=9`, {
      headers: { cookie: session },
    });
    expect(wrongVersion.status).toBe(404);
  });

  it('shows the dataset page anonymously and 404s an unknown one', async () => {
    const page = await fetch(`${sandbox.baseUrl}/datasets/${REF}?select=babyNamesUSYOB-full.csv`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('aria-label="Download"');
    expect(html).not.toContain('Welcome,');
    expect((await fetch(`${sandbox.baseUrl}/datasets/nobody/nothing`)).status).toBe(404);
  });

  it('counts logins and downloads in the stats', async () => {
    const before = sandbox.stats();
    const signedIn = await signIn({
      email: sandbox.credentials.email,
      password: sandbox.credentials.password,
      returnUrl: '/',
    });
    await fetch(`${sandbox.baseUrl}/datasets/${REF}/download`, {
      headers: { cookie: cookieOf(signedIn, 'KAGGLEID')!.pair },
    }).then((r) => r.arrayBuffer());
    const after = sandbox.stats();
    expect(after.login).toBe((before.login ?? 0) + 1);
    expect(after.download).toBe((before.download ?? 0) + 1);
    expect(after.webDownload).toBe((before.webDownload ?? 0) + 1);
  });
});

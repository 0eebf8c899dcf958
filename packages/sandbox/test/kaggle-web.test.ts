import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SAMPLE_CSV_PATH } from '../src/kaggle/dataset.js';
import { SANDBOX_TWO_FACTOR_CODE, startKaggleSandbox } from '../src/kaggle/index.js';
import type { KaggleSandbox } from '../src/types.js';
import { CSV, REF, unzip as unzipFile } from './helpers/kaggle.js';

describe('Kaggle sandbox in Chromium', () => {
  let sandbox: KaggleSandbox;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let downloads: string;
  const emailForm = (returnUrl = `/datasets/${REF}`) =>
    `${sandbox.baseUrl}/account/login?phase=emailSignIn&returnUrl=${encodeURIComponent(returnUrl)}`;
  const fillAndSubmit = async (password = sandbox.credentials.password) => {
    await page.getByLabel('Email / Username', { exact: true }).fill(sandbox.credentials.email);
    await page.getByPlaceholder('Enter password').fill(password);
    await page.locator('button[type="submit"]').click();
  };

  beforeAll(async () => {
    sandbox = await startKaggleSandbox({ port: 0 });
    downloads = await mkdtemp(join(tmpdir(), 'kaggle-sandbox-downloads-'));
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--disable-gpu', '--disable-dev-shm-usage', '--disable-quic'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
    if (downloads) await rm(downloads, { recursive: true, force: true });
  });
  beforeEach(async () => {
    sandbox.setBehaviours({});
    context = await browser.newContext({ acceptDownloads: true });
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
  });
  afterEach(() => context?.close());

  it('signs in from the chooser with the XSRF header, returns to the dataset and downloads archive.zip from the menu', async () => {
    await page.goto(`${sandbox.baseUrl}/account/login?returnUrl=${encodeURIComponent(`/datasets/${REF}`)}`);
    await page.getByRole('button', { name: 'Sign in with Email' }).click();
    await page.waitForURL(/phase=emailSignIn/);
    await expect(page.locator('input[name="email"]').getAttribute('placeholder')).resolves.toBe(
      'Enter your email address or username',
    );
    await page.getByLabel('Email / Username', { exact: true }).fill(sandbox.credentials.email);
    await page.getByLabel('Password', { exact: true }).fill(sandbox.credentials.password);

    const [signIn] = await Promise.all([
      page.waitForRequest('**/api/i/users.LegacyUsersService/EmailSignIn'),
      page.getByRole('button', { name: 'Sign In' }).click(),
    ]);
    const xsrfCookie = (await context.cookies()).find((cookie) => cookie.name === 'XSRF-TOKEN');
    expect(xsrfCookie?.value).toBeTruthy();
    expect(await signIn.headerValue('x-xsrf-token')).toBe(xsrfCookie!.value);
    expect(signIn.postDataJSON()).toMatchObject({ email: sandbox.credentials.email, returnUrl: `/datasets/${REF}` });

    await page.waitForURL(`${sandbox.baseUrl}/datasets/${REF}`);
    await expect(page.getByText('Welcome,').isVisible()).resolves.toBe(true);
    await expect(page.locator('img[alt*="profile"]').count()).resolves.toBe(1);
    expect((await context.cookies()).some((cookie) => cookie.name === 'KAGGLEID')).toBe(true);

    await page.getByLabel('Download', { exact: true }).click();
    const menu = page.getByRole('menu');
    await menu.waitFor();
    const items = await menu.getByRole('menuitem').allTextContents();
    expect(items.map((item) => item.trim())).toEqual([
      'Download via kagglehub',
      expect.stringMatching(/^Download dataset as zip \(\d+ (kB|MB)\)$/),
      'Export metadata as Croissant',
    ]);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      menu.getByRole('menuitem', { name: /Download dataset as zip/ }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('archive.zip');
    const saved = join(downloads, 'archive.zip');
    await download.saveAs(saved);
    const entries = await unzipFile(saved);
    expect([...entries.keys()]).toEqual([CSV]);
    expect(entries.get(CSV)!.equals(await readFile(SAMPLE_CSV_PATH))).toBe(true);

    // The per-file icon gives that file alone, still zipped.
    const [single] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'get_app' }).click(),
    ]);
    expect(single.suggestedFilename()).toBe(`${CSV}.zip`);
    const savedSingle = join(downloads, 'single.zip');
    await single.saveAs(savedSingle);
    expect([...(await unzipFile(savedSingle)).keys()]).toEqual([CSV]);
  });

  it('sends an anonymous zip download through the login and back to the download', async () => {
    await page.goto(`${sandbox.baseUrl}/datasets/${REF}?select=${CSV}`);
    await expect(page.getByText('Welcome,').count()).resolves.toBe(0);
    await page.getByLabel('Download', { exact: true }).click();
    await page.getByRole('menuitem', { name: /Download dataset as zip/ }).click();
    await page.waitForURL(/\/account\/login\?phase=emailSignIn/);
    const [download] = await Promise.all([page.waitForEvent('download'), fillAndSubmit()]);
    expect(download.suggestedFilename()).toBe('archive.zip');
  });

  it('shows the incorrect-password message inline and stays on the login URL', async () => {
    await page.goto(emailForm());
    await fillAndSubmit('wrong-password');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('The email or password you entered is incorrect.');
    expect(page.url()).toContain('/account/login');
    expect((await context.cookies()).some((cookie) => cookie.name === 'KAGGLEID')).toBe(false);
  });

  it('asks for a two-factor code after a correct password when twoFactor is on', async () => {
    sandbox.setBehaviours({ twoFactor: true });
    await page.goto(emailForm());
    await fillAndSubmit();
    await page.waitForURL(/twoFactor/);
    const code = page.getByLabel('Two-factor verification code');
    await code.waitFor();
    expect((await context.cookies()).some((cookie) => cookie.name === 'KAGGLEID')).toBe(false);

    await code.fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('incorrect');
    await code.fill(SANDBOX_TWO_FACTOR_CODE);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${sandbox.baseUrl}/datasets/${REF}`);
    await page.getByText('Welcome,').waitFor();
  });

  it('blocks clicks behind the cookie banner until Accept is clicked, then remembers consent', async () => {
    sandbox.setBehaviours({ cookieBanner: true });
    await page.goto(emailForm());
    const banner = page.getByRole('dialog', { name: 'Cookie consent' });
    await banner.waitFor();
    await page.getByLabel('Email / Username', { exact: true }).fill(sandbox.credentials.email);
    await page.getByLabel('Password', { exact: true }).fill(sandbox.credentials.password);
    // The overlay intercepts the pointer, so the click cannot land while it is up.
    await expect(page.getByRole('button', { name: 'Sign In' }).click({ timeout: 2_000 })).rejects.toThrow(
      /intercepts pointer events|Timeout/,
    );
    expect(page.url()).toContain('/account/login');

    await page.getByRole('button', { name: 'Accept' }).click();
    await banner.waitFor({ state: 'detached' });
    expect((await context.cookies()).find((cookie) => cookie.name === 'CookieConsent')?.value).toBe('accepted');
    await page.getByRole('button', { name: 'Sign In' }).click();
    await page.waitForURL(`${sandbox.baseUrl}/datasets/${REF}`);
    await expect(page.getByRole('dialog', { name: 'Cookie consent' }).count()).resolves.toBe(0);
  });

  it('delays pages by slowPageMs', async () => {
    sandbox.setBehaviours({ slowPageMs: 3_000 });
    await expect(page.goto(emailForm(), { timeout: 500 })).rejects.toThrow(/Timeout/);
    // The timed-out navigation is still in flight on that page; a fresh page measures cleanly.
    const patient = await context.newPage();
    const started = Date.now();
    await patient.goto(emailForm(), { timeout: 30_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    await patient.locator('input[name="email"]').waitFor();
  });

  it('answers the login page 404 ("backend NotFound") N times, then serves it', async () => {
    sandbox.setBehaviours({ loginNotFoundTimes: 2 });
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await page.goto(emailForm());
      expect(response?.status()).toBe(404);
      expect(await page.textContent('body')).toContain('backend NotFound');
    }
    const response = await page.goto(emailForm());
    expect(response?.status()).toBe(200);
    await page.locator('input[name="password"]').waitFor();
  });
});

/**
 * The browser mode: sign in with email and password the way a person does, then use the dataset page's Download
 * control. Elements are found by name, role and label (Kaggle's CSS class names are generated and change on every
 * deploy), and the sign-in is awaited on its own request and the navigation that follows, never a fixed sleep.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Download, Page } from 'playwright-core';
import { FatalError, RetriableError, type StepContext } from '@etl/core';
import type { BrowserOptions } from './config.js';
import type { LoginCredentials } from './credentials.js';
import type { Downloaded } from './api-download.js';
import { md5Of } from './cache.js';
import {
  exists,
  firstLine,
  forgetSession,
  launchChromium,
  saveSession,
  sessionFile,
  withEvidence,
} from './browser-session.js';

export interface BrowserDownloadOptions {
  baseUrl: string;
  dataset: string;
  login: LoginCredentials;
  browser: BrowserOptions;
  /** Where the archive goes. */
  cacheDir: string;
  secrets: string[];
}

const signInRequest = /\/api\/i\/users\.LegacyUsersService\/EmailSignIn/;
const onLoginPage = (url: URL) => url.pathname.startsWith('/account/login');
const twoFactorText = /two-factor|2-step|two-step|verification code|authenticator/i;
const captchaText = /captcha|verify (that )?you are (a )?human|not a robot/i;

/** Accepts a cookie banner whenever one covers the page, before Playwright's next action; absent banners cost nothing. */
async function acceptCookieBanners(page: Page): Promise<void> {
  const accept = page.getByRole('button', { name: /^(accept|accept all|accept cookies|ok, got it|i agree)$/i });
  await page.addLocatorHandler(accept.first(), async (button) => {
    await button.click();
  });
}

/** Loads the login page, retrying Kaggle's transient "backend NotFound" 404s; a page that never loads is fatal. */
async function openLoginPage(ctx: StepContext, page: Page, url: string, timeoutMs: number): Promise<void> {
  await ctx.retry.run(
    async () => {
      let response;
      try {
        response = await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
      } catch (error) {
        throw new FatalError(
          `kaggle: the login page did not load within ${Math.round(timeoutMs / 1000)} s (${firstLine(error)}).`,
          {
            code: 'KAGGLE_LOGIN_PAGE_TIMEOUT',
            suggestions: [
              'Check `baseUrl` (KAGGLE_BASE_URL) and the network; open the login page in a browser to see whether Kaggle is up.',
              'On a slow connection raise `browser.timeoutMs`.',
            ],
          },
        );
      }
      const status = response?.status() ?? 200;
      if (status === 404 || status >= 500) {
        ctx.count('loginPageRetries');
        throw new RetriableError(`kaggle: the login page answered HTTP ${status}.`, {
          code: 'KAGGLE_LOGIN_PAGE_UNAVAILABLE',
        });
      }
      if (status >= 400) {
        throw new FatalError(`kaggle: the login page answered HTTP ${status}.`, {
          code: 'KAGGLE_LOGIN_PAGE_UNAVAILABLE',
          suggestions: ['Check `baseUrl` (KAGGLE_BASE_URL); it must be the site root, e.g. https://www.kaggle.com.'],
        });
      }
    },
    { operation: 'kaggle login page', attempts: 5, baseDelayMs: 500, maxDelayMs: 3000 },
  );
}

function emailField(page: Page) {
  return page
    .locator('input[name="email"]')
    .or(page.getByLabel(/email/i).and(page.locator('input')))
    .or(page.getByPlaceholder(/email address or username/i))
    .first();
}

/** Signs in on the email form and waits for the outcome; explains wrong passwords, two-factor steps and captchas. */
async function signIn(
  ctx: StepContext,
  page: Page,
  options: BrowserDownloadOptions,
  returnPath: string,
): Promise<void> {
  const { timeoutMs } = options.browser;
  const loginUrl = `${options.baseUrl}/account/login?phase=emailSignIn&returnUrl=${encodeURIComponent(returnPath)}`;
  await openLoginPage(ctx, page, loginUrl, timeoutMs);
  const email = emailField(page);
  await email.waitFor({ state: 'visible', timeout: timeoutMs }).catch(() => {
    throw new FatalError('kaggle: the login page has no email field (Kaggle may have changed its sign-in form).', {
      code: 'KAGGLE_LOGIN_FORM_MISSING',
      suggestions: ['Use the API instead: set KAGGLE_API_TOKEN (Kaggle → Settings → API).'],
    });
  });
  await email.fill(options.login.email);
  await page
    .locator('input[name="password"]')
    .or(page.locator('input[type="password"]'))
    .first()
    .fill(options.login.password);
  const answered = page.waitForResponse((r) => signInRequest.test(r.url()) && r.request().method() === 'POST', {
    timeout: timeoutMs,
  });
  await page
    .locator('button[type="submit"]')
    .or(page.getByRole('button', { name: /^sign in$/i }))
    .first()
    .click();
  const response = await answered.catch(() => undefined);
  ctx.count('logins');
  if (response && !response.ok()) {
    const body = (await response.json().catch(() => ({}))) as { message?: unknown };
    const said = typeof body.message === 'string' ? body.message : `HTTP ${response.status()}`;
    if (captchaText.test(said)) throw captchaError();
    throw new FatalError(`kaggle: Kaggle refused the sign-in for ${options.login.email}: "${said}".`, {
      code: 'KAGGLE_LOGIN_FAILED',
      suggestions: [
        'Check KAGGLE_EMAIL and KAGGLE_PASSWORD by signing in at kaggle.com in a browser.',
        'Accounts created with Google sign-in have no Kaggle password: set one, or use an API token (KAGGLE_API_TOKEN).',
      ],
    });
  }
  // The request succeeding is not enough: the page may go on to a two-factor step, a captcha or an error message.
  const alert = page.getByRole('alert').filter({ hasText: /\S/ }).first();
  const outcome = await firstOf(
    [
      page.waitForURL((url) => !onLoginPage(url), { timeout: timeoutMs }).then(() => 'signed-in' as const),
      page
        .waitForURL((url) => /twoFactor|two-factor|2fa/i.test(url.search + url.pathname), { timeout: timeoutMs })
        .then(() => 'two-factor' as const),
      page
        .getByText(twoFactorText)
        .first()
        .waitFor({ timeout: timeoutMs })
        .then(() => 'two-factor' as const),
      page
        .locator('iframe[src*="captcha"], iframe[title*="captcha" i]')
        .or(page.getByText(captchaText))
        .first()
        .waitFor({ timeout: timeoutMs })
        .then(() => 'captcha' as const),
      alert.waitFor({ timeout: timeoutMs }).then(() => 'error' as const),
    ],
    timeoutMs,
  );
  if (outcome === 'signed-in') return;
  if (outcome === 'two-factor') {
    throw new FatalError(
      `kaggle: the account ${options.login.email} asks for a two-factor code, which an unattended run cannot give.`,
      {
        code: 'KAGGLE_TWO_FACTOR',
        suggestions: [
          'Use the API instead: create a token at Kaggle → Settings → API and set KAGGLE_API_TOKEN.',
          'Or sign in once with `browser.headed: true` and enter the code yourself; the saved session is reused afterwards.',
        ],
      },
    );
  }
  if (outcome === 'captcha') throw captchaError();
  if (outcome === 'error') {
    // biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, not a DOM node: innerText is what shows
    const text = (await alert.innerText().catch(() => '')).trim();
    throw new FatalError(`kaggle: the sign-in failed: "${text}".`, {
      code: 'KAGGLE_LOGIN_FAILED',
      suggestions: ['Check KAGGLE_EMAIL and KAGGLE_PASSWORD by signing in at kaggle.com in a browser.'],
    });
  }
  throw new FatalError(`kaggle: the sign-in did not finish within ${Math.round(timeoutMs / 1000)} s.`, {
    code: 'KAGGLE_LOGIN_TIMEOUT',
    suggestions: ['Run again with `browser.headed: true` to watch the sign-in, or raise `browser.timeoutMs`.'],
  });
}

/** The label of the first condition met, or `'timeout'` when none is within `ms`. Failed conditions just drop out. */
async function firstOf<T>(conditions: Array<Promise<T>>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const never = new Promise<never>(() => {});
  try {
    return await Promise.race([
      ...conditions.map((condition) => condition.catch(() => never)),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function captchaError(): FatalError {
  return new FatalError('kaggle: Kaggle asked for a captcha, which automation must not solve.', {
    code: 'KAGGLE_CAPTCHA',
    suggestions: [
      'Sign in once with `browser.headed: true` and solve it yourself; the saved session is reused afterwards.',
      'Or use the API instead: set KAGGLE_API_TOKEN.',
    ],
  });
}

/**
 * Opens the dataset page and uses its Download control (a direct download, or a menu with "Download dataset as
 * zip"). Returns `'login'` when the site sent the browser to the login page instead (no or an expired session).
 */
async function clickDownload(
  page: Page,
  options: BrowserDownloadOptions,
  datasetPath: string,
): Promise<Download | 'login'> {
  const { timeoutMs } = options.browser;
  const response = await page.goto(`${options.baseUrl}${datasetPath}`, {
    waitUntil: 'domcontentloaded',
    timeout: timeoutMs,
  });
  if (response && response.status() === 404) {
    throw new FatalError(`kaggle: the dataset page ${datasetPath} does not exist (HTTP 404).`, {
      code: 'KAGGLE_NOT_FOUND',
      suggestions: ['Check `dataset` (owner/slug, as in the dataset URL).'],
    });
  }
  // Armed before the click: the download may start at once.
  const download = page.waitForEvent('download', { timeout: timeoutMs });
  const toLogin = page.waitForURL((url) => onLoginPage(url), { timeout: timeoutMs }).then(() => 'login' as const);
  await page
    .getByRole('button', { name: /^download/i })
    .or(page.getByRole('link', { name: /^download$/i }))
    .first()
    .click();
  const menuItem = page.getByRole('menuitem', { name: /download dataset as zip|download all/i }).first();
  // A menu item only leads to the download or the login page, so it never wins the race itself.
  const viaMenu = menuItem
    .waitFor({ state: 'visible', timeout: timeoutMs })
    .then(() => menuItem.click())
    .then(() => new Promise<never>(() => {}));
  const result = await firstOf<Download | 'login'>(
    [download, toLogin, viaMenu] as Array<Promise<Download | 'login'>>,
    timeoutMs,
  );
  if (result === 'timeout') {
    throw new FatalError(
      `kaggle: clicking Download on ${datasetPath} started no download within ${Math.round(timeoutMs / 1000)} s.`,
      {
        code: 'KAGGLE_DOWNLOAD_NOT_STARTED',
        suggestions: [
          'Open the dataset page signed in and check that it offers a download (accept its rules if asked).',
          'Or use the API mode (KAGGLE_API_TOKEN).',
        ],
      },
    );
  }
  return result;
}

/** Signs in when needed (reusing the saved session otherwise), downloads the dataset archive into `cacheDir`. */
export async function downloadWithBrowser(ctx: StepContext, options: BrowserDownloadOptions): Promise<Downloaded> {
  const datasetPath = `/datasets/${options.dataset}`;
  const session = sessionFile(ctx.dirs.state, options.baseUrl, options.login.email);
  let step = 'starting Chromium';
  const browser = await launchChromium(options.browser);
  let page: Page | undefined;
  const abort = () => void browser.close().catch(() => undefined);
  ctx.signal.addEventListener('abort', abort, { once: true });
  try {
    const reuse = !ctx.fresh && (await exists(session));
    const context = await browser.newContext({ acceptDownloads: true, storageState: reuse ? session : undefined });
    context.setDefaultTimeout(options.browser.timeoutMs);
    page = await context.newPage();
    await acceptCookieBanners(page);
    if (!reuse) {
      step = 'signing in';
      ctx.progress({ phase: 'signing in to Kaggle' });
      await signIn(ctx, page, options, datasetPath);
      await saveSession(context, session);
    } else {
      ctx.logger.info('kaggle: reusing the saved browser session', { session });
    }
    step = 'opening the dataset page';
    ctx.progress({ phase: 'opening the dataset page' });
    let result = await clickDownload(page, options, datasetPath);
    if (result === 'login') {
      // The saved session expired: sign in once and try again.
      ctx.logger.info('kaggle: the saved session has expired; signing in again');
      await forgetSession(session);
      step = 'signing in';
      await signIn(ctx, page, options, datasetPath);
      await saveSession(context, session);
      step = 'opening the dataset page';
      result = await clickDownload(page, options, datasetPath);
      if (result === 'login') {
        throw new FatalError('kaggle: Kaggle keeps asking to sign in after a successful sign-in.', {
          code: 'KAGGLE_SESSION_REJECTED',
          suggestions: ['Run again with `browser.headed: true` to see what the page wants.'],
        });
      }
    }
    step = 'downloading';
    const name = basename(result.suggestedFilename()).replace(/[^\w.-]+/g, '_') || 'archive.zip';
    ctx.progress({ phase: `downloading ${name}` });
    await mkdir(options.cacheDir, { recursive: true });
    const part = join(options.cacheDir, 'download.part');
    await rm(part, { force: true });
    await result.saveAs(part);
    const failure = await result.failure();
    if (failure)
      throw new RetriableError(`kaggle: the browser download failed: ${failure}.`, { code: 'KAGGLE_DOWNLOAD_FAILED' });
    const path = join(options.cacheDir, name);
    await rename(part, path);
    await saveSession(context, session);
    const { size } = await stat(path);
    return { path, name, size, md5: await md5Of(path) };
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    throw await withEvidence(error, page, ctx.dirs.run, step, options.secrets);
  } finally {
    ctx.signal.removeEventListener('abort', abort);
    await browser.close().catch(() => undefined);
  }
}

/** `etl check` in browser mode: Chromium starts and the login form loads. Does not sign in. */
export async function checkLoginPage(
  ctx: StepContext,
  options: Pick<BrowserDownloadOptions, 'baseUrl' | 'browser'>,
): Promise<string> {
  const browser = await launchChromium(options.browser);
  let page: Page | undefined;
  try {
    page = await browser.newPage();
    await openLoginPage(
      ctx,
      page,
      `${options.baseUrl}/account/login?phase=emailSignIn&returnUrl=%2F`,
      options.browser.timeoutMs,
    );
    await emailField(page).waitFor({ state: 'visible', timeout: options.browser.timeoutMs });
    return `Chromium ${browser.version()} loaded the login page at ${options.baseUrl}`;
  } catch (error) {
    throw await withEvidence(error, page, ctx.dirs.run, 'loading the login page', []);
  } finally {
    await browser.close().catch(() => undefined);
  }
}

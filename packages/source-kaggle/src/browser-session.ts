/**
 * Chromium through playwright-core: launching it, the saved session (Playwright storage state), and what a failure
 * leaves behind (a screenshot and the page HTML in the run folder). The login and download steps are in
 * `browser-download.ts`.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { EtlError, FatalError } from '@etl/core';
import type { BrowserOptions } from './config.js';

export async function assertChromium(executablePath: string): Promise<void> {
  try {
    await access(executablePath, constants.X_OK);
  } catch {
    throw new FatalError(`kaggle: no Chromium at ${executablePath}, so the browser login cannot run.`, {
      code: 'KAGGLE_BROWSER_MISSING',
      suggestions: [
        'Install it (`apt-get install -y chromium`) or set `browser.executablePath` to a Chromium or Chrome binary.',
        'Or use the API instead: set KAGGLE_API_TOKEN (or KAGGLE_USERNAME and KAGGLE_KEY).',
      ],
    });
  }
}

/**
 * The variables Chromium may see: what it needs to find its libraries, fonts, locale and display. The rest of the
 * environment (MYSQL_URL, HUBSPOT_ACCESS_TOKEN, KAGGLE_PASSWORD, …) stays out of a process that runs web pages.
 */
const BROWSER_ENV = [
  'PATH',
  'HOME',
  'TMPDIR',
  'LANG',
  'LANGUAGE',
  'TZ',
  'DISPLAY',
  'WAYLAND_DISPLAY',
  'XAUTHORITY',
  'XDG_RUNTIME_DIR',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'FONTCONFIG_PATH',
  'FONTCONFIG_FILE',
];

export function browserEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (BROWSER_ENV.includes(name) || name.startsWith('LC_'))) out[name] = value;
  }
  return out;
}

export async function launchChromium(options: BrowserOptions): Promise<Browser> {
  await assertChromium(options.executablePath);
  // Loaded on demand: playwright-core adds ~80 MB of resident memory, which the API and file modes should not pay.
  const { chromium } = await import('playwright-core');
  try {
    return await chromium.launch({
      executablePath: options.executablePath,
      headless: !options.headed,
      args: ['--disable-gpu', '--disable-dev-shm-usage', '--disable-quic'],
      env: browserEnv(),
      timeout: Math.max(options.timeoutMs, 30_000),
    });
  } catch (error) {
    throw new FatalError(`kaggle: Chromium at ${options.executablePath} did not start: ${firstLine(error)}`, {
      code: 'KAGGLE_BROWSER_LAUNCH',
      suggestions: ['Run `chromium --version` to check the install; with `browser.headed: true` a display is needed.'],
    });
  }
}

/** The session file for this Kaggle address and account, so a sandbox session is never offered to kaggle.com. */
export function sessionFile(stateDir: string, baseUrl: string, email: string): string {
  const id = createHash('sha256').update(`${baseUrl}\n${email}`).digest('hex').slice(0, 16);
  return join(stateDir, `kaggle-session-${id}.json`);
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Saves cookies and local storage with owner-only permissions: the file is as good as a password. */
export async function saveSession(context: BrowserContext, path: string): Promise<void> {
  const state = await context.storageState();
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, JSON.stringify(state), { mode: 0o600 });
  await chmod(path, 0o600);
}

export async function forgetSession(path: string): Promise<void> {
  await rm(path, { force: true });
}

export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}

export function mask(text: string, secrets: string[]): string {
  let masked = text;
  for (const secret of secrets) if (secret.length >= 3) masked = masked.split(secret).join('***');
  return masked;
}

/**
 * Keeps a screenshot and the HTML of `page` in the run folder and returns the error to throw, now saying where they
 * are. Secrets are masked in the HTML (a filled password lives in a property, not the markup, but a page may echo it).
 */
export async function withEvidence(
  error: unknown,
  page: Page | undefined,
  runDir: string,
  step: string,
  secrets: string[],
): Promise<EtlError> {
  const base =
    error instanceof EtlError
      ? error
      : new FatalError(`kaggle: the browser failed while ${step}: ${mask(firstLine(error), secrets)}`, {
          code: 'KAGGLE_BROWSER_FAILED',
          suggestions: [
            'Run again with `--set steps.<step>.config.browser.headed=true` to watch the browser.',
            'Kaggle may have changed its pages; the API mode (KAGGLE_API_TOKEN) avoids them.',
          ],
        });
  if (!page || page.isClosed()) return base;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const screenshot = join(runDir, `kaggle-failure-${stamp}.png`);
  const html = join(runDir, `kaggle-failure-${stamp}.html`);
  const saved: string[] = [];
  try {
    // Evidence shows a logged-in page: owner-only, like the run folder it sits in.
    await mkdir(runDir, { recursive: true, mode: 0o700 });
    await page.screenshot({ path: screenshot, fullPage: true, timeout: 10_000 });
    await chmod(screenshot, 0o600);
    saved.push(`saved screenshot to ${screenshot}`);
  } catch {
    // A crashed page cannot be photographed; the HTML may still be there.
  }
  try {
    await writeFile(html, mask(await page.content(), secrets), { mode: 0o600 });
    saved.push(`page HTML to ${html}`);
  } catch {
    // Same: keep whatever evidence could be saved.
  }
  if (saved.length === 0) return base;
  // Extended in place so the error keeps its class, code and exit code.
  base.message = `${base.message} (${saved.join(', ')})`;
  Object.assign(base.context, { screenshot, html });
  return base;
}

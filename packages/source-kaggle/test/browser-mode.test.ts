/** Browser mode with real Chromium against the Kaggle sandbox: sign-in, its failures, cookie banner, session reuse. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FatalError } from '@etl/core';
import { startKaggleSandbox, type KaggleSandbox } from '@etl/sandbox';
import kaggleSource from '@etl/source-kaggle';
import { configOf, readAll, testContext, type TestContext } from './helpers/context.js';

const dataset = 'thedevastator/us-baby-names-by-year-of-birth';
const file = 'babyNamesUSYOB-full.csv';
const sampleRows = 3000;

let sandbox: KaggleSandbox;
let ctx: TestContext;
const login = (password = sandbox.credentials.password) => ({
  credentials: { env: { KAGGLE_EMAIL: sandbox.credentials.email, KAGGLE_PASSWORD: password }, home: '/nonexistent' },
});
const config = (extra: Record<string, unknown> = {}) =>
  configOf({ dataset, file, mode: 'browser', baseUrl: sandbox.baseUrl, browser: { timeoutMs: 20_000 }, ...extra });
const sessionFiles = () =>
  existsSync(ctx.dirs.state) ? readdirSync(ctx.dirs.state).filter((f) => f.startsWith('kaggle-session-')) : [];
const evidence = () => (existsSync(ctx.dirs.run) ? readdirSync(ctx.dirs.run) : []);

beforeAll(async () => {
  sandbox = await startKaggleSandbox({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await sandbox?.close();
  await ctx?.cleanup();
});
beforeEach(async () => {
  await ctx?.cleanup();
  sandbox.setBehaviours({});
  ctx = testContext();
});

describe('kaggle source, browser mode (real Chromium)', () => {
  it('signs in, downloads the archive, keeps the session with owner-only permissions, and reads every row', async () => {
    const logins = sandbox.stats().login ?? 0;
    const { records, rejects, locations } = await readAll(kaggleSource(login()).read(ctx, config(), undefined));
    expect(rejects).toEqual([]);
    expect(records).toHaveLength(sampleRows);
    expect(locations[0]).toBe(`${file}:2`);
    expect(sandbox.stats().login).toBe(logins + 1);
    const sessions = sessionFiles();
    expect(sessions).toHaveLength(1);
    expect(statSync(join(ctx.dirs.state, sessions[0]!)).mode & 0o777).toBe(0o600);
    expect(ctx.secrets).toContain(sandbox.credentials.password);

    // Unchanged version: the next run reads the cached archive without starting a browser at all.
    const pages = sandbox.stats().loginPage ?? 0;
    const downloads = sandbox.stats().webDownload ?? 0;
    const again = await readAll(kaggleSource(login()).read(ctx, config(), undefined));
    expect(again.records).toHaveLength(sampleRows);
    expect(ctx.counters.cacheHits).toBe(1);
    expect(sandbox.stats().webDownload ?? 0).toBe(downloads);
    expect(sandbox.stats().loginPage ?? 0).toBe(pages);
  });

  it('reuses the saved session: a second download does not sign in again', async () => {
    const source = kaggleSource(login());
    await readAll(source.read(ctx, config(), undefined));
    const logins = sandbox.stats().login ?? 0;
    const downloads = sandbox.stats().webDownload ?? 0;
    const { records } = await readAll(source.read(ctx, config({ refresh: true }), undefined));
    expect(records).toHaveLength(sampleRows);
    expect(sandbox.stats().webDownload).toBe(downloads + 1);
    expect(sandbox.stats().login ?? 0).toBe(logins);
    expect(ctx.logs.some((l) => l.message.includes('reusing the saved browser session'))).toBe(true);
  });

  it('accepts a cookie banner that covers the page', async () => {
    sandbox.setBehaviours({ cookieBanner: true });
    const { records } = await readAll(kaggleSource(login()).read(ctx, config(), undefined));
    expect(records).toHaveLength(sampleRows);
  });

  it('explains a wrong password and keeps a screenshot and the page HTML', async () => {
    const error = await readAll(kaggleSource(login('not-the-password')).read(ctx, config(), undefined)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FatalError);
    expect(error).toMatchObject({ code: 'KAGGLE_LOGIN_FAILED' });
    const message = (error as FatalError).message;
    expect(message).toContain('incorrect');
    expect(message).toContain('saved screenshot to');
    expect(message).not.toContain('not-the-password');
    const files = evidence();
    expect(files.some((f) => f.endsWith('.png'))).toBe(true);
    const html = files.find((f) => f.endsWith('.html'));
    expect(html).toBeDefined();
    const page = readFileSync(join(ctx.dirs.run, html!), 'utf8');
    expect(page).toContain('incorrect');
    expect(page).not.toContain('not-the-password');
    expect(sessionFiles()).toEqual([]);
  });

  it('explains a two-factor step instead of hanging', async () => {
    sandbox.setBehaviours({ twoFactor: true });
    const error = await readAll(kaggleSource(login()).read(ctx, config(), undefined)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KAGGLE_TWO_FACTOR' });
    expect((error as FatalError).suggestions.join(' ')).toContain('KAGGLE_API_TOKEN');
    expect(evidence().some((f) => f.endsWith('.png'))).toBe(true);
  });

  it('retries a login page that answers 404 a few times', async () => {
    sandbox.setBehaviours({ loginNotFoundTimes: 2 });
    const { records } = await readAll(kaggleSource(login()).read(ctx, config(), undefined));
    expect(records).toHaveLength(sampleRows);
    expect(ctx.counters.loginPageRetries).toBe(2);
  });

  it('gives up on a login page that never loads, saying so', async () => {
    sandbox.setBehaviours({ slowPageMs: 8000 });
    const error = await readAll(
      kaggleSource(login()).read(ctx, config({ browser: { timeoutMs: 2000 } }), undefined),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KAGGLE_LOGIN_PAGE_TIMEOUT' });
    expect((error as FatalError).message).toContain('did not load');
  });

  it('check() loads the login page with Chromium', async () => {
    const result = await kaggleSource(login()).check!(ctx, config());
    expect(result.ok).toBe(true);
    expect(result.message).toContain('loaded the login page');
  });
});

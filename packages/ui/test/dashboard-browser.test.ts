/**
 * `etl ui` in a real Chromium: the page starts a sandbox run of a paced pipeline (real `etl run --sandbox` child
 * process, HubSpot stand-in over HTTP), sees it appear and progress live, then finished, with its rejects; a second
 * run is stopped from the page and ends interrupted (SIGINT semantics: exit 130, checkpointed). Screenshots go to
 * `.etl/test-artifacts/ui/` (git-ignored).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, appendFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '@etl/core';
import { spawnLauncher, startUiServer, type RunLauncher, type UiServer } from '@etl/ui';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { buildOnce } from '../../../test/helpers/build.js';
import { cliBin, repoRoot } from '../../../test/helpers/paths.js';

const artifacts = join(repoRoot, '.etl', 'test-artifacts', 'ui');
const workDir = mkdtempSync(join(tmpdir(), 'etl-ui-browser-'));
const stateDir = join(workDir, '.etl');
const WAIT = { timeout: 30_000 };

let server: UiServer;
let launcher: RunLauncher;
let browser: Browser;
let page: Page;

const summaryOf = (runId: string): RunSummary =>
  JSON.parse(readFileSync(join(stateDir, 'runs', runId, 'summary.json'), 'utf8')) as RunSummary;
const runIds = (): string[] => readdirSync(join(stateDir, 'runs')).sort();
const shot = (name: string) => page.screenshot({ path: join(artifacts, name), fullPage: true });
const cell = (step: string, col: string) => page.locator(`#steps-table tr[data-step="${step}"] td[data-col="${col}"]`);
const number = async (text: Promise<string | null>) => Number((await text)?.replace(/,/g, '') || 'NaN');

async function startFromPage(): Promise<void> {
  await page.selectOption('#start-pipeline', 'paced');
  await page.selectOption('#start-profile', 'demo');
  await page.check('#start-sandbox');
  await page.click('#start-button');
  await page.locator('#start-note', { hasText: 'started' }).waitFor(WAIT);
}

beforeAll(async () => {
  // Chromium starts while tsc checks that the CLI the runs spawn is built.
  const launching = chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--disable-gpu', '--disable-dev-shm-usage'],
  });
  await buildOnce(['packages/cli'], ['packages/cli/dist/commands/run.js']);
  browser = await launching;
  mkdirSync(artifacts, { recursive: true });
  cpSync(join(import.meta.dirname, 'fixtures'), workDir, { recursive: true });
  // The runs see none of the developer's credentials: the sandbox provides HubSpot's.
  launcher = spawnLauncher({ cliBin, cwd: workDir, env: { ...process.env, HOME: workDir, ETL_UI_TOKEN: '' } });
  server = await startUiServer({ stateDir, pipelinesDir: join(workDir, 'pipelines'), launcher, pollMs: 250 });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(workDir, { recursive: true, force: true });
});

/** Waits for the list to show a running run, and opens its page. */
async function openRunningRun(): Promise<void> {
  const row = page.locator('#runs tr[data-run]', { has: page.locator('[data-status="running"]') });
  await row.waitFor(WAIT);
  await row.locator('a').click();
}

describe('etl ui in Chromium', () => {
  test('a run started from the page shows up, progresses live, ends with its rejects', async () => {
    await page.goto(server.url);
    await startFromPage();

    // The list shows it running (SSE), then its page shows the sink's count growing before the run ends.
    await openRunningRun();
    await page.waitForFunction(
      () => {
        const written = document.querySelector('#steps-table tr[data-step="hubspot"] td[data-col="written"]');
        const n = Number(written?.textContent?.replace(/,/g, '') || 0);
        return document.querySelector('h1 [data-status="running"]') && n > 0 && n < 75;
      },
      undefined,
      WAIT,
    );
    const runningAt = await number(cell('hubspot', 'written').textContent());
    await shot('run-live.png');
    // The top of the page alone, small enough for the README (docs/etl-ui.png is one of these).
    await page.screenshot({
      path: join(artifacts, 'run-live-top.png'),
      clip: { x: 0, y: 0, width: 1200, height: 640 },
    });

    await page.locator('h1 [data-status="succeeded"]').waitFor(WAIT);
    const [runId] = runIds();
    const summary = summaryOf(runId!);
    const hubspot = summary.steps.find((s) => s.step === 'hubspot')!;
    expect(runningAt).toBeLessThan(hubspot.written);
    expect(await number(cell('hubspot', 'written').textContent())).toBe(hubspot.written);
    expect(await number(cell('names', 'rejected').textContent())).toBe(16);
    await page.locator('#throughput svg polyline').first().waitFor(WAIT);

    // Rejects: paged (25 a page), with location and reason, searchable.
    await page.locator('#rejects-info', { hasText: 'of 16' }).waitFor(WAIT);
    expect(await page.locator('#rejects tr.reject').count()).toBe(16);
    // Input data is shown as text, never run as markup.
    expect(await page.locator('#rejects', { hasText: '<img src=x onerror=window.pwned=1>' }).count()).toBe(1);
    expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('#rejects tr.reject').first().textContent()).toContain('names.csv:9');
    await page.fill('#rejects-search', 'is not one of F, M');
    await page.locator('#rejects-info', { hasText: 'of 7' }).waitFor(WAIT);
    expect(await page.locator('#rejects tr.reject').count()).toBe(7);
    await page.locator('#rejects').scrollIntoViewIfNeeded();
    await shot('run-finished.png');

    await page.goto(`${server.url}#/?status=succeeded`);
    await page.locator(`#runs tr[data-run="${runId}"]`).waitFor(WAIT);
    await shot('runs-list.png');
  });

  test('a run is stopped from the page: it checkpoints and ends interrupted', async () => {
    // A changed input (so the run is not up to date), long enough to be stopped halfway.
    const more = Array.from({ length: 100 }, (_, i) => `2020,Later${i},F,${i + 1}\n`);
    appendFileSync(join(workDir, 'names.csv'), more.join(''));
    const before = runIds().length;
    await page.goto(server.url);
    await startFromPage();
    await openRunningRun();
    // Stopped halfway: once the new rows are being written.
    await page.waitForFunction(
      () => {
        const written = document.querySelector('#steps-table tr[data-step="hubspot"] td[data-col="written"]');
        return document.querySelector('#stop-run') && Number(written?.textContent?.replace(/,/g, '') || 0) > 0;
      },
      undefined,
      WAIT,
    );
    await page.click('#stop-run');
    await page.locator('h1 [data-status="interrupted"]').waitFor(WAIT);
    await page.locator('#failure', { hasText: 'run the same command again' }).waitFor(WAIT);
    const runId = runIds()[before]!;
    const summary = summaryOf(runId);
    expect(summary.status).toBe('interrupted');
    expect(summary.error?.exitCode).toBe(130);
    const hubspot = summary.steps.find((s) => s.step === 'hubspot')!;
    expect(hubspot.written).toBeGreaterThan(0);
    expect(hubspot.written).toBeLessThan(100);
    await vi.waitFor(() => expect(launcher.launches()[0]?.exitCode).toBe(130), WAIT);
    await shot('run-stopped.png');
  });
});

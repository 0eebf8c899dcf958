import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { browserEnv, withEvidence } from '../src/browser-session.js';

const dir = mkdtempSync(join(tmpdir(), 'etl-kaggle-evidence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('what the browser mode leaves and passes on', () => {
  it('failure evidence (screenshot, page HTML) is owner-only, even under a permissive umask', async () => {
    // A stand-in for a Playwright page: the screenshot is written the way Playwright writes it (default mode).
    const page = {
      isClosed: () => false,
      screenshot: async ({ path }: { path: string }) => writeFileSync(path, 'png'),
      content: async () => '<html>logged in as someone</html>',
    };
    const previous = process.umask(0o002);
    let error: Error & { context: Record<string, string> };
    try {
      error = (await withEvidence(new Error('boom'), page as never, join(dir, 'run'), 'logging in', [])) as never;
    } finally {
      process.umask(previous);
    }
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
    expect(statSync(error.context.screenshot).mode & 0o777).toBe(0o600);
    expect(statSync(error.context.html).mode & 0o777).toBe(0o600);
  });

  it('Chromium gets only the variables it needs, never the secrets', () => {
    const env = browserEnv({
      PATH: '/usr/bin',
      HOME: '/home/u',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      DISPLAY: ':0',
      MYSQL_URL: 'mysql://root:pw@db/etl',
      HUBSPOT_ACCESS_TOKEN: 'pat-x',
      KAGGLE_PASSWORD: 'pw',
      AWS_SECRET_ACCESS_KEY: 'k',
    });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/u', LANG: 'C.UTF-8', LC_ALL: 'C', DISPLAY: ':0' });
  });
});

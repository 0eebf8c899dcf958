/** Archives (zip entries by name, listing on a miss, damaged files) and where credentials come from. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@etl/core';
import kaggleSource, { chooseMode, findCredentials, resolveConfig } from '@etl/source-kaggle';
import { configOf, readAll, testContext, type TestContext } from './helpers/context.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const dataset = 'thedevastator/us-baby-names-by-year-of-birth';
const file = 'babyNamesUSYOB-full.csv';
const noCredentials = { credentials: { env: {}, home: '/nonexistent' } };

let ctx: TestContext;
afterEach(async () => ctx?.cleanup());

describe('archives', () => {
  it('reads the wanted entry of a zip by name, even inside a folder', async () => {
    ctx = testContext();
    const { records, locations } = await readAll(
      kaggleSource(noCredentials).read(
        ctx,
        configOf({ dataset, file, mode: 'file', path: fixture('two-files.zip') }),
        undefined,
      ),
    );
    expect(records).toHaveLength(8);
    expect(locations[0]).toBe(`${file}:2`);
  });

  it('lists the entries present when the wanted file is not in the zip', async () => {
    ctx = testContext();
    const run = readAll(
      kaggleSource(noCredentials).read(
        ctx,
        configOf({ dataset, file: 'missing.csv', mode: 'file', path: fixture('two-files.zip') }),
        undefined,
      ),
    );
    await expect(run).rejects.toMatchObject({
      code: 'KAGGLE_ENTRY_MISSING',
      message: expect.stringContaining('It holds: readme.txt, data/babyNamesUSYOB-full.csv.'),
    });
  });

  it('calls a damaged zip damaged and suggests downloading again', async () => {
    ctx = testContext();
    const run = readAll(
      kaggleSource(noCredentials).read(
        ctx,
        configOf({ dataset, file, mode: 'file', path: fixture('broken.zip') }),
        undefined,
      ),
    );
    await expect(run).rejects.toMatchObject({
      code: 'KAGGLE_BAD_ARCHIVE',
      suggestions: [expect.stringContaining('refresh')],
    });
  });
});

describe('credentials', () => {
  const home = () => {
    const dir = mkdtempSync(join(tmpdir(), 'etl-kaggle-home-'));
    mkdirSync(join(dir, '.kaggle'));
    return dir;
  };
  const config = (extra: Record<string, unknown> = {}) => resolveConfig({ dataset, file, ...extra });

  it('prefers the config token, then KAGGLE_API_TOKEN, then KAGGLE_USERNAME/KAGGLE_KEY, then kaggle.json', () => {
    const dir = home();
    writeFileSync(join(dir, '.kaggle', 'kaggle.json'), JSON.stringify({ username: 'jsonuser', key: 'jsonkey' }));
    const env = { KAGGLE_API_TOKEN: 'KGAT_env', KAGGLE_USERNAME: 'envuser', KAGGLE_KEY: 'envkey' };
    expect(findCredentials(config({ token: 'KGAT_config' }), { env, home: dir }).api).toMatchObject({
      kind: 'bearer',
      token: 'KGAT_config',
    });
    expect(findCredentials(config(), { env, home: dir }).api).toMatchObject({
      kind: 'bearer',
      token: 'KGAT_env',
      from: 'KAGGLE_API_TOKEN',
    });
    expect(
      findCredentials(config(), { env: { KAGGLE_USERNAME: 'envuser', KAGGLE_KEY: 'envkey' }, home: dir }).api,
    ).toMatchObject({
      kind: 'basic',
      username: 'envuser',
      key: 'envkey',
    });
    expect(findCredentials(config(), { env: {}, home: dir }).api).toMatchObject({
      kind: 'basic',
      username: 'jsonuser',
      key: 'jsonkey',
    });
  });

  it('sends a KGAT_ value found in KAGGLE_KEY as a Bearer token', () => {
    const found = findCredentials(config(), {
      env: { KAGGLE_USERNAME: 'u', KAGGLE_KEY: 'KGAT_new_style' },
      home: '/nonexistent',
    });
    expect(found.api).toMatchObject({ kind: 'bearer', token: 'KGAT_new_style' });
  });

  it('auto mode: API with a token, browser with email and password, else an error listing the variables', () => {
    const sources = (env: Record<string, string>) => ({ env, home: '/nonexistent' });
    expect(chooseMode(config(), findCredentials(config(), sources({ KAGGLE_API_TOKEN: 't' })))).toBe('api');
    expect(chooseMode(config(), findCredentials(config(), sources({ KAGGLE_EMAIL: 'e', KAGGLE_PASSWORD: 'p' })))).toBe(
      'browser',
    );
    let error: unknown;
    try {
      chooseMode(config(), findCredentials(config(), sources({})));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const advice = (error as ConfigError).suggestions.join(' ');
    for (const variable of ['KAGGLE_API_TOKEN', 'KAGGLE_USERNAME', 'KAGGLE_KEY', 'KAGGLE_EMAIL', 'KAGGLE_PASSWORD']) {
      expect(advice).toContain(variable);
    }
  });

  it('api mode without API credentials is a config error, not a browser login', () => {
    const found = findCredentials(config({ mode: 'api' }), {
      env: { KAGGLE_EMAIL: 'e', KAGGLE_PASSWORD: 'p' },
      home: '/nonexistent',
    });
    expect(() => chooseMode(config({ mode: 'api' }), found)).toThrow(/no API credentials/);
  });
});

/** API mode against the Kaggle sandbox over real HTTP: auth, errors, cut downloads, MD5 checks and the cache. */
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FatalError } from '@etl/core';
import { startKaggleSandbox, type KaggleSandbox } from '@etl/sandbox';
import kaggleSource from '@etl/source-kaggle';
import { configOf, readAll, testContext, type TestContext } from './helpers/context.js';

const dataset = 'thedevastator/us-baby-names-by-year-of-birth';
const file = 'babyNamesUSYOB-full.csv';
/** The sandbox's committed sample: 3,000 rows of the real file. */
const sampleRows = 3000;

let sandbox: KaggleSandbox;
let ctx: TestContext;
const noLocal = (env: Record<string, string> = {}) => ({ credentials: { env, home: '/nonexistent' } });
const config = (extra: Record<string, unknown> = {}) =>
  configOf({ dataset, file, mode: 'api', baseUrl: sandbox.baseUrl, ...extra });

beforeAll(async () => {
  sandbox = await startKaggleSandbox({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => sandbox?.close());
beforeEach(async () => {
  await ctx?.cleanup();
  sandbox.setBehaviours({});
  ctx = testContext();
});
afterAll(async () => ctx?.cleanup());

describe('kaggle source, API mode', () => {
  it('downloads with a Bearer token from KAGGLE_API_TOKEN and reads every row', async () => {
    const source = kaggleSource(noLocal({ KAGGLE_API_TOKEN: sandbox.credentials.token }));
    const { records, rejects, locations } = await readAll(source.read(ctx, config(), undefined));
    expect(rejects).toEqual([]);
    expect(records).toHaveLength(sampleRows);
    expect(records[0]).toEqual({ year: 1880, name: 'Mary', sex: 'F', count: 7065 });
    expect(locations[0]).toBe(`${file}:2`);
    expect(ctx.secrets).toContain(sandbox.credentials.token);
    expect(ctx.counters.downloads).toBe(1);
  });

  it('uses Basic auth from KAGGLE_USERNAME and KAGGLE_KEY', async () => {
    const source = kaggleSource(
      noLocal({ KAGGLE_USERNAME: sandbox.credentials.username, KAGGLE_KEY: sandbox.credentials.key }),
    );
    const { records } = await readAll(source.read(ctx, config(), undefined));
    expect(records).toHaveLength(sampleRows);
  });

  it('reports a rejected token as a fatal 401 that says what to do, without the token', async () => {
    const source = kaggleSource(noLocal({ KAGGLE_API_TOKEN: 'KGAT_wrong_token_value' }));
    const error = await readAll(source.read(ctx, config(), undefined)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalError);
    expect(error).toMatchObject({ code: 'KAGGLE_UNAUTHORIZED' });
    expect((error as FatalError).message).toContain('HTTP 401');
    expect((error as FatalError).message).not.toContain('KGAT_wrong_token_value');
    expect((error as FatalError).suggestions.join(' ')).toContain('KAGGLE_API_TOKEN');
  });

  it('reports an unknown dataset as a fatal 404', async () => {
    const source = kaggleSource(noLocal({ KAGGLE_API_TOKEN: sandbox.credentials.token }));
    await expect(
      readAll(source.read(ctx, config({ dataset: 'nobody/no-such-dataset' }), undefined)),
    ).rejects.toMatchObject({
      code: 'KAGGLE_NOT_FOUND',
    });
  });

  it('reports an unknown file as a fatal 404', async () => {
    const source = kaggleSource(noLocal({ KAGGLE_API_TOKEN: sandbox.credentials.token }));
    await expect(readAll(source.read(ctx, config({ file: 'no-such-file.csv' }), undefined))).rejects.toMatchObject({
      code: 'KAGGLE_NOT_FOUND',
    });
  });

  it('resumes a download cut halfway with a byte range and gets the whole file', async () => {
    sandbox.setBehaviours({ cutDownloadAfterBytes: 20_000 });
    const before = sandbox.stats().rangeRequest ?? 0;
    const source = kaggleSource(noLocal({ KAGGLE_API_TOKEN: sandbox.credentials.token }));
    const { records, rejects } = await readAll(source.read(ctx, config(), undefined));
    expect(sandbox.stats().cutDownload).toBeGreaterThanOrEqual(1);
    expect((sandbox.stats().rangeRequest ?? 0) - before).toBeGreaterThanOrEqual(1);
    expect(ctx.counters.downloadResumes).toBe(1);
    expect(rejects).toEqual([]);
    expect(records).toHaveLength(sampleRows);
  });

  it('refuses a download whose MD5 does not match and keeps nothing of it', async () => {
    sandbox.setBehaviours({ corruptMd5: true });
    const source = kaggleSource(noLocal({ KAGGLE_API_TOKEN: sandbox.credentials.token }));
    await expect(readAll(source.read(ctx, config(), undefined))).rejects.toMatchObject({ code: 'KAGGLE_MD5_MISMATCH' });
    expect(await readdir(ctx.dirs.cache)).toEqual([]);
  });

  it('skips the download while the dataset version is unchanged, and downloads again with refresh', async () => {
    const source = kaggleSource(noLocal({ KAGGLE_API_TOKEN: sandbox.credentials.token }));
    await readAll(source.read(ctx, config(), undefined));
    const downloads = sandbox.stats().download ?? 0;
    const second = await readAll(source.read(ctx, config(), undefined));
    expect(second.records).toHaveLength(sampleRows);
    expect(sandbox.stats().download ?? 0).toBe(downloads);
    expect(ctx.counters.cacheHits).toBe(1);
    expect(ctx.logs.some((l) => l.message.includes('unchanged') && l.message.includes('refresh'))).toBe(true);
    await readAll(source.read(ctx, config({ refresh: true }), undefined));
    expect(sandbox.stats().download ?? 0).toBe(downloads + 1);
  });

  it('a --fresh lineage keeps a download proven current (same version, size and MD5); refresh still downloads', async () => {
    const source = kaggleSource(noLocal({ KAGGLE_API_TOKEN: sandbox.credentials.token }));
    await readAll(source.read(ctx, config(), undefined));
    const downloads = sandbox.stats().download ?? 0;
    const root = ctx.root;
    const fresh = testContext({ fresh: true, root });
    // The first run of a fresh lineage: the lineage is this run.
    Object.assign(fresh, { lineage: fresh.runId });
    const { records } = await readAll(source.read(fresh, config(), undefined));
    expect(records).toHaveLength(sampleRows);
    expect(sandbox.stats().download ?? 0).toBe(downloads);
    expect(fresh.counters.cacheHits).toBe(1);
    await readAll(source.read(fresh, config({ refresh: true }), undefined));
    expect(sandbox.stats().download ?? 0).toBe(downloads + 1);
  });

  it('inputVersion() makes sure of the download once: read() reuses it, and the next run neither downloads nor changes it', async () => {
    const source = kaggleSource(noLocal({ KAGGLE_API_TOKEN: sandbox.credentials.token }));
    const before = sandbox.stats().download ?? 0;
    const first = await source.inputVersion!(ctx, config());
    expect(first).toMatch(
      /^thedevastator\/us-baby-names-by-year-of-birth version 1, babyNamesUSYOB-full\.csv, archive \d+ bytes md5 [0-9a-f]{32}$/,
    );
    expect(sandbox.stats().download ?? 0).toBe(before + 1);
    const { records } = await readAll(source.read(ctx, config(), undefined));
    expect(records).toHaveLength(sampleRows);
    expect(sandbox.stats().download ?? 0).toBe(before + 1);
    expect(ctx.counters.downloads).toBe(1);

    // A later run (another run id, a new plugin instance as the CLI makes): same version, served from the cache.
    const later = { ...ctx, runId: 'run-2' };
    const again = kaggleSource(noLocal({ KAGGLE_API_TOKEN: sandbox.credentials.token }));
    expect(await again.inputVersion!(later, config())).toBe(first);
    expect((await readAll(again.read(later, config(), undefined))).records).toHaveLength(sampleRows);
    expect(sandbox.stats().download ?? 0).toBe(before + 1);
    expect(ctx.counters.cacheHits).toBe(1);
  });

  it('check() reports the dataset version and file size', async () => {
    const source = kaggleSource(noLocal({ KAGGLE_API_TOKEN: sandbox.credentials.token }));
    const result = await source.check!(ctx, config());
    expect(result.ok).toBe(true);
    expect(result.message).toMatch(/version 1, babyNamesUSYOB-full\.csv \d+ bytes/);
    expect(result.message).toContain('KAGGLE_API_TOKEN');
  });

  it('auto mode picks the API when a token is present', async () => {
    const source = kaggleSource(
      noLocal({ KAGGLE_API_TOKEN: sandbox.credentials.token, KAGGLE_EMAIL: 'x', KAGGLE_PASSWORD: 'y' }),
    );
    const { records } = await readAll(source.read(ctx, config({ mode: 'auto' }), undefined));
    expect(records).toHaveLength(sampleRows);
    expect(ctx.logs.some((l) => l.message.includes('api mode'))).toBe(true);
  });
});

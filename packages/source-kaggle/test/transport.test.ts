import { afterEach, describe, expect, it } from 'vitest';
import { kaggleSource } from '@etl/source-kaggle';
import { configOf, readAll, testContext, type TestContext } from './helpers/context.js';

let ctx: TestContext | undefined;
afterEach(async () => ctx?.cleanup());

const creds = { credentials: { env: { KAGGLE_API_TOKEN: 'KGAT_secret' }, home: '/nonexistent' } };
const config = (extra: Record<string, unknown>) => configOf({ dataset: 'o/d', file: 'x.csv', mode: 'api', ...extra });

describe('kaggle credentials never go over plain http to another host', () => {
  it('an http:// baseUrl to a remote host is refused before any request', async () => {
    ctx = testContext();
    await expect(
      readAll(kaggleSource(creds).read(ctx, config({ baseUrl: 'http://www.kaggle.com' }), undefined)),
    ).rejects.toThrow(/kaggle: baseUrl http:\/\/www.kaggle.com is plain http/);
  });

  it('`etl validate` reports it at baseUrl; loopback and allowInsecureHttp pass', () => {
    const source = kaggleSource(creds);
    expect(source.checkConfig?.(config({ baseUrl: 'http://www.kaggle.com' }))).toEqual([
      { path: 'baseUrl', message: expect.stringContaining('plain http') },
    ]);
    expect(source.checkConfig?.(config({ baseUrl: 'http://localhost:8080' }))).toEqual([]);
    expect(source.checkConfig?.(config({ baseUrl: 'http://mirror.internal', allowInsecureHttp: true }))).toEqual([]);
  });
});

/** The shared source conformance suite from @etl/testing, run on the API mode against the Kaggle sandbox. */
import { startKaggleSandbox, type KaggleSandbox } from '@etl/sandbox';
import { describeSourceContract } from '@etl/testing';
import { kaggleSource, type KaggleConfig } from '@etl/source-kaggle';

let sandbox: KaggleSandbox | undefined;

describeSourceContract(
  () =>
    kaggleSource({
      credentials: { env: { KAGGLE_API_TOKEN: sandbox?.credentials.token ?? 'unset' }, home: '/nonexistent' },
    }),
  {
    config: () =>
      ({
        dataset: 'thedevastator/us-baby-names-by-year-of-birth',
        file: 'babyNamesUSYOB-full.csv',
        mode: 'api',
        baseUrl: sandbox!.baseUrl,
        batchSize: 500,
      }) as KaggleConfig,
    expect: { records: 3000, fields: ['year', 'name', 'sex', 'count'] },
    async setup() {
      sandbox = await startKaggleSandbox({ host: '127.0.0.1', port: 0 });
    },
    async teardown() {
      await sandbox?.close();
    },
  },
);

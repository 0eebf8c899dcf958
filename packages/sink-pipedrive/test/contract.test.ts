/** The shared sink conformance suite from @etl/testing, against the Pipedrive stand-in over HTTP. */
import { startPipedriveSandbox, type PipedriveSandbox } from '@etl/sandbox';
import pipedriveSink from '@etl/sink-pipedrive';
import { describeSinkContract } from '@etl/testing';
import { babyNamesConfig, names } from './helpers/babynames.js';

let sandbox: PipedriveSandbox;

describeSinkContract(pipedriveSink, {
  config: () => babyNamesConfig(sandbox.baseUrl, sandbox.token),
  records: names(40),
  setup: async () => {
    sandbox = await startPipedriveSandbox({ host: '127.0.0.1', port: 0, burst: 1000 });
  },
  teardown: async () => {
    await sandbox?.close();
  },
  readBack: async () =>
    sandbox
      .persons()
      .filter((p) => !p.isDeleted)
      .map((p) => ({ email: p.emails[0]?.value })),
  key: (record) => String(record.email),
});

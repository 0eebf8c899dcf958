/** The shared sink conformance suite from @etl/testing, against the HubSpot sandbox. */
import { describeSinkContract } from '@etl/testing';
import { slugify, type DataRecord } from '@etl/core';
import { startHubspotSandbox, type HubspotSandbox } from '@etl/sandbox';
import hubspotSink from '@etl/sink-hubspot';
import { babyNamesConfig, names } from './helpers/drive.js';

let sandbox: HubspotSandbox;
const emailOf = (r: DataRecord) =>
  typeof r.email === 'string'
    ? r.email
    : `${slugify(String(r.name))}.${String(r.sex).toLowerCase()}@babynames.example.com`;

describeSinkContract(hubspotSink, {
  config: () => babyNamesConfig(sandbox.baseUrl, sandbox.token),
  records: names(40),
  setup: async () => {
    sandbox = await startHubspotSandbox({ port: 0, host: '127.0.0.1', rate: '1000/1s' });
  },
  teardown: async () => {
    await sandbox?.close();
  },
  readBack: async () => sandbox.contacts().map((c) => ({ email: c.properties.email })),
  key: emailOf,
});

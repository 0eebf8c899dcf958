/**
 * The requests the sink sends, checked against the request schemas of HubSpot's official OpenAPI specs (ajv,
 * strict off: the specs use `example: null` and other non-standard keywords). Bodies are captured from the real
 * client on their way out to the sandbox.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '@etl/sandbox';
import { createClient, ensureProperties, Upserter } from '@etl/sink-hubspot/runtime';
import { existingIdentities } from '../src/upsert.js';
import { createMapper } from '../src/mapping.js';
import { closeContexts, testContext } from './helpers/context.js';
import { babyNamesConfig, names } from './helpers/drive.js';

import { SPECS_DIR as SPECS } from '../../sandbox/test/openapi/spec-schemas.js';
const contactsSpec = JSON.parse(readFileSync(`${SPECS}/contacts-v3.json`, 'utf8'));
const propertiesSpec = JSON.parse(readFileSync(`${SPECS}/properties-v3.json`, 'utf8'));

function validator(spec: { components: { schemas: Record<string, unknown> } }, name: string) {
  const ajv = new Ajv({ strict: false, allErrors: true, formats: { int32: true, int64: true } });
  ajv.addSchema({ $id: 'spec', components: spec.components });
  return ajv.compile({ $ref: `spec#/components/schemas/${name}` });
}

afterEach(closeContexts);

let sandbox: HubspotSandbox;
beforeAll(async () => {
  sandbox = await startHubspotSandbox({ port: 0, host: '127.0.0.1', rate: '1000/1s' });
});
afterAll(() => sandbox?.close());

describe('requests match the official request schemas', () => {
  it('PropertyCreate, batch upsert and batch read bodies validate', async () => {
    const config = babyNamesConfig(sandbox.baseUrl, sandbox.token);
    const ctx = await testContext();
    const { client, ownLimiter } = createClient(ctx, config);
    const sent: Array<{ url: string; body: unknown }> = [];
    const send = client.request.bind(client);
    client.request = (method, path, body) => {
      if (body !== undefined) sent.push({ url: path, body: JSON.parse(JSON.stringify(body)) });
      return send(method, path, body);
    };

    const plan = await ensureProperties(client, config, false);
    const map = createMapper(config, plan.enumValues);
    const inputs = names(120).map((record, i) => {
      const prepared = map(record);
      if (!prepared.ok) throw new Error(prepared.reason);
      return {
        identity: prepared.identity,
        properties: prepared.properties,
        hash: prepared.hash,
        traceId: `1-${i}`,
        location: `x:${i}`,
        record,
      };
    });
    const upserter = new Upserter(client, 'contacts', 'email');
    await upserter.upsert(inputs.slice(0, 100));
    await upserter.upsert(inputs.slice(100));
    await existingIdentities(
      client,
      'contacts',
      'email',
      inputs.map((i) => i.identity),
    );
    await ownLimiter?.stop();

    const propertyCreate = validator(propertiesSpec, 'PropertyCreate');
    const upsert = validator(contactsSpec, 'BatchInputSimplePublicObjectBatchInputUpsert');
    const read = validator(contactsSpec, 'BatchReadInputSimplePublicObjectId');
    const creates = sent.filter((s) => s.url.endsWith('/crm/v3/properties/contacts'));
    const upserts = sent.filter((s) => s.url.endsWith('/batch/upsert'));
    const reads = sent.filter((s) => s.url.endsWith('/batch/read'));
    expect(creates).toHaveLength(1);
    expect(upserts).toHaveLength(2);
    expect(reads).toHaveLength(2);
    for (const { body } of creates) expect(propertyCreate(body), JSON.stringify(propertyCreate.errors)).toBe(true);
    for (const { body } of upserts) {
      expect(upsert(body), JSON.stringify(upsert.errors)).toBe(true);
      const inputsSent = (body as { inputs: Array<{ objectWriteTraceId?: string }> }).inputs;
      expect(inputsSent.length).toBeLessThanOrEqual(100);
      expect(new Set(inputsSent.map((i) => i.objectWriteTraceId)).size).toBe(inputsSent.length);
    }
    for (const { body } of reads) expect(read(body), JSON.stringify(read.errors)).toBe(true);

    // The validators are not vacuous: a body missing required fields fails.
    expect(upsert({ inputs: [{ properties: { email: 'x' } }] })).toBe(false);
    expect(propertyCreate({ name: 'x' })).toBe(false);
  });
});

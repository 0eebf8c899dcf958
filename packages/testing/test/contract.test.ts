import { describe, expect, test } from 'vitest';
import { createLedger, dedupeTransform, defineSink, FatalError, hashRecord, type DataRecord } from '@etl/core';
import {
  collectSink,
  configProblems,
  describeSinkContract,
  describeSourceContract,
  describeTransformContract,
  memorySource,
  schemaProblems,
  shapeProblems,
} from '@etl/testing';

const records = Array.from({ length: 23 }, (_, i) => ({ id: i + 1, name: `n${i}` }));

// The kit's own plugins pass the suites they ship...
describeSourceContract(() => memorySource(records, { batchSize: 5 }), {
  config: {},
  expect: { records: 23, fields: ['id', 'name'] },
});

let shared = collectSink();
describeSinkContract(() => shared, {
  config: {},
  records: records.slice(0, 7),
  readBack: async () => shared.log.records,
  key: (r) => String(r.id),
  setup: async () => {
    shared = collectSink();
  },
});

// A keyed (upserting) sink that relies on its schema defaults and keeps a ledger: the kit hands hooks the config with
// defaults filled in, as the runtime does, and its crash/stop tests find no record twice.
const held = new Map<string, DataRecord>();
const upsertSink = () =>
  defineSink<{ prefix: string; idField: string }>({
    name: 'upsert',
    configSchema: {
      type: 'object',
      properties: {
        prefix: { type: 'string', default: 'k:', description: 'Key prefix.' },
        idField: { type: 'string', default: 'id', description: 'The field that identifies a record.' },
      },
    },
    destination: () => ({ id: 'memory:upsert' }),
    async write(ctx, config, batch) {
      if (config.prefix === undefined || config.idField === undefined)
        throw new FatalError('schema defaults were not applied');
      const ledger = createLedger(ctx.state);
      let written = 0;
      let unchanged = 0;
      for (const record of batch.records) {
        const key = config.prefix + String(record[config.idField]);
        const hash = hashRecord(record);
        if (ledger.isUnchanged(key, hash)) unchanged++;
        else {
          if (!ctx.dryRun) held.set(key, record);
          if (!ctx.dryRun) ledger.record(key, hash);
          written++;
        }
      }
      return { written, unchanged };
    },
  });
describeSinkContract(upsertSink, {
  config: {},
  records,
  readBack: async () => [...held.values()],
  key: (r) => String(r.id),
});

describeTransformContract(dedupeTransform, {
  config: { key: ['name'] },
  cases: [
    { input: { name: 'Anna', n: 1 }, output: { name: 'Anna', n: 1 } },
    { input: { name: 'Anna', n: 2 }, output: null },
    { input: { n: 3 }, output: 'rejected' },
    { input: { name: 'Bob' }, output: { name: 'Bob' } },
  ],
});

// ...and the checks behind them catch broken plugins.
describe('contract checks', () => {
  test('shapeProblems names what is missing or wrong', () => {
    const bad = defineSink({ name: '', configSchema: {}, write: undefined as never });
    expect(shapeProblems(bad, 'sink')).toEqual([
      'name must be a non-empty string',
      'destination must be a function',
      'write must be a function',
    ]);
    expect(shapeProblems(memorySource([]), 'sink')).toContain('kind must be \'sink\' (got "source")');
    // The sink suite requires destination(): a sink that cannot name where it writes cannot keep state per destination.
    const nameless = defineSink({ name: 'nameless', configSchema: {}, write: async () => ({ written: 0 }) });
    expect(shapeProblems(nameless, 'sink')).toEqual(['destination must be a function']);
    expect(shapeProblems({ ...nameless, destination: () => ({ id: 'x' }), setup: 'no' } as never, 'sink')).toEqual([
      'setup must be a function when present',
    ]);
  });

  test('schemaProblems flags invalid schemas, undescribed fields and unmarked secrets', () => {
    expect(schemaProblems({ type: 'object', properties: { n: { type: 'nonsense' } } })[0]).toMatch(
      /not valid JSON Schema/,
    );
    expect(
      schemaProblems({
        type: 'object',
        properties: {
          host: { type: 'string' },
          password: { type: 'string', description: 'The password.' },
          auth: {
            type: 'object',
            description: 'Auth.',
            properties: { apiKey: { type: 'string', description: 'Key.', secret: true } },
          },
        },
      }),
    ).toEqual(['host: no description', 'password: looks like a credential but is not marked `secret: true`']);
  });

  test('configProblems reports schema violations with their path', () => {
    const schema = {
      type: 'object',
      required: ['port'],
      properties: { port: { type: 'integer', description: 'Port.' } },
    };
    expect(configProblems(schema, { port: 'x' })).toEqual(['/port must be integer']);
    expect(configProblems(schema, { port: 3306 })).toEqual([]);
  });
});

// A generator-backed memory source resumes by position too.
describeSourceContract(
  () =>
    memorySource(
      function* () {
        for (let i = 1; i <= 12; i++) yield { id: i };
      },
      { batchSize: 5, name: 'memory-generator' },
    ),
  { config: {}, expect: { records: 12, fields: ['id'] } },
);

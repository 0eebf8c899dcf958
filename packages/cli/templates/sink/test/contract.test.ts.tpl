import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataRecord } from '@etl/core';
import { describeSinkContract } from '@etl/testing';
import { __FACTORY__ } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), '__DIR__-'));

// The etl contract kit: shape, schema, accounting, idempotent retries, dry runs, destination, crash and stop resumes.
describeSinkContract(__FACTORY__, {
  config: { dir },
  records: Array.from({ length: 30 }, (_, id) => ({ id, name: `name ${id}` })),
  readBack: async (config) =>
    readdirSync(config.dir)
      .filter((file) => file.endsWith('.json'))
      .map((file) => JSON.parse(readFileSync(join(config.dir, file), 'utf8')) as DataRecord),
  key: (record) => String(record.id),
});

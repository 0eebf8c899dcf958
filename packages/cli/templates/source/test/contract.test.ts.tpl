import { describeSourceContract } from '@etl/testing';
import { __FACTORY__ } from '../src/index.js';

// The etl contract kit: shape, schema, JSON positions, exact resume from every batch, early stop.
describeSourceContract(__FACTORY__, {
  config: { count: 25, pageSize: 10 },
  expect: { records: 25, fields: ['id', 'name'] },
});

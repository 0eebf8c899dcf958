import { describeTransformContract } from '@etl/testing';
import { __FACTORY__ } from '../src/index.js';

// The etl contract kit: shape, schema, each case's output, inputs left unchanged, the same outputs on a fresh run.
describeTransformContract(__FACTORY__, {
  config: { fields: ['name'], required: true },
  cases: [
    { input: { id: 1, name: 'ada' }, output: { id: 1, name: 'ADA' } },
    { input: { id: 2 }, output: 'rejected' },
  ],
});

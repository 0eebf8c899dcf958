import { describe, expect, test } from 'vitest';
import {
  createPluginResolver,
  filterTransform,
  formatIssue,
  loadPipelineText,
  validatePipeline,
  validateTransform,
  builtinTransforms,
} from '@etl/core';
import { build, runAll } from './transforms-helpers.js';

const resolver = () => createPluginResolver({ searchPaths: [], builtins: builtinTransforms, loader: async () => ({}) });

const hostile = `version: 1
steps:
  keep:
    use: filter
    config:
      where:
        - { field: name, matches: "^(a+)+$" }
  typed:
    use: validate
    inputs: [keep]
    config:
      fields:
        name: { type: string, pattern: "^(a|a)*$" }
        note: { type: string, pattern: "^(\\\\s*\\\\s*\\\\s*)x" }
        code: { type: string, pattern: "^[A-Z]{2}[0-9]+$" }
`;

describe('user regular expressions', () => {
  test('catastrophic patterns are refused when the pipeline is validated, each at its file:line:col', async () => {
    const loaded = loadPipelineText(hostile, '/p/hostile.yaml', { env: {} });
    const { issues } = await validatePipeline(loaded, resolver());
    // The pipeline has no source (wiring issues); only the pattern issues are under test here.
    const lines = issues.map((issue) => formatIssue(issue, '/p')).filter((line) => line.includes('regular expression'));
    expect(lines).toEqual([
      expect.stringMatching(
        /^hostile.yaml:7:35: steps.keep.config.where\[0\].matches: this regular expression can backtrack catastrophically \(exponential/,
      ),
      expect.stringMatching(
        /^hostile.yaml:13:40: steps.typed.config.fields.name.pattern: this regular expression can backtrack catastrophically \(exponential/,
      ),
      expect.stringMatching(
        /^hostile.yaml:14:40: steps.typed.config.fields.note.pattern: this regular expression can backtrack catastrophically \(polynomial \(degree 3\)/,
      ),
    ]);
  }, 60_000);

  test('a hostile 64 KB cell meets an accepted (quadratic) pattern: bounded, and the record is rejected saying why', async () => {
    const cell = 'a'.repeat(64 * 1024);
    const filter = await build(filterTransform(), { where: [{ field: 'name', matches: '.*x' }] });
    const validate = await build(validateTransform(), { fields: { name: { type: 'string', pattern: '.*x' } } });
    const started = Date.now();
    const filtered = runAll(filter, [{ name: cell }, { name: 'ax' }, { name: 'ab' }]);
    const validated = runAll(validate, [{ name: cell }, { name: 'ax' }]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(filtered.passed).toEqual([{ name: 'ax' }]);
    expect(filtered.filtered).toBe(1);
    expect(filtered.rejected).toEqual(['name is longer than 4096 characters, so it was not matched against /.*x/']);
    expect(validated.rejected).toEqual(['name: is longer than 4096 characters, so it was not matched against /.*x/']);
  });
});

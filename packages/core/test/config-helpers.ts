import { join } from 'node:path';
import {
  createPluginResolver,
  formatIssue,
  loadPipeline,
  sortIssues,
  validatePipeline,
  type LoadPipelineOptions,
} from '@etl/core';
import { testBuiltins } from './fixtures/config/test-plugins.js';

export const fixtures = join(import.meta.dirname, 'fixtures/config');

/** The real resolver with in-memory built-ins; every package lookup misses, as on a machine with no plugins. */
export const testResolver = () =>
  createPluginResolver({
    searchPaths: [],
    builtins: testBuiltins,
    loader: async (specifier) => {
      throw Object.assign(new Error(`Cannot find module '${specifier}'`), { code: 'MODULE_NOT_FOUND' });
    },
  });

/** Loads and validates a fixture; returns the issues formatted relative to the fixtures folder, and the result. */
export async function check(relativeFile: string, options: LoadPipelineOptions = {}) {
  const loaded = await loadPipeline(join(fixtures, relativeFile), { env: {}, ...options });
  const result = await validatePipeline(loaded, testResolver());
  return { ...result, loaded, lines: sortIssues(result.issues).map((issue) => formatIssue(issue, fixtures)) };
}

import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  builtinTransforms,
  createPluginResolver,
  defineTransform,
  formatIssue,
  loadPipeline,
  sortIssues,
  validatePipeline,
  type PluginFactory,
} from '@etl/core';
import { fixtures } from './config-helpers.js';
import { testBuiltins } from './fixtures/config/test-plugins.js';

/** The real resolver with the test plugins, the real built-in transforms and `extra`; package lookups miss. */
async function check(relativeFile: string, extra: Record<string, PluginFactory> = {}, sets: string[] = []) {
  const resolver = createPluginResolver({
    searchPaths: [],
    builtins: { ...testBuiltins, ...builtinTransforms, ...extra },
    loader: async (specifier) => {
      throw Object.assign(new Error(`Cannot find module '${specifier}'`), { code: 'MODULE_NOT_FOUND' });
    },
  });
  const loaded = await loadPipeline(join(fixtures, relativeFile), { env: {}, sets });
  const { issues } = await validatePipeline(loaded, resolver);
  return sortIssues(issues).map((issue) => formatIssue(issue, fixtures));
}

describe("validatePipeline: plugins' checkConfig", () => {
  test('an unknown template filter and a bad regular expression, each at its own line and column', async () => {
    const lines = await check('broken/bad-template.yaml');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^broken\/bad-template\.yaml:13:35: steps\.names\.config\.where\[1\]\.matches: not a valid regular expression: /,
    );
    expect(lines[1]).toMatch(
      /^broken\/bad-template\.yaml:20:16: steps\.contacts\.config\.fields\.email: Template "\{\{ name \| shout \}\}@example\.com" is invalid at column 11: unknown filter "shout"; known filters: .*slug/,
    );
  });

  test('good templates and patterns pass', async () => {
    const lines = await check('broken/bad-template.yaml', {}, [
      'steps.contacts.config.fields.email="{{ name | lower }}@example.com"',
      'steps.names.config.where[1].matches=^B',
    ]);
    expect(lines).toEqual([]);
  });

  test('a path the YAML does not have falls back to the nearest node; a throwing checkConfig is reported, not thrown', async () => {
    const picky = () =>
      defineTransform({
        name: 'picky',
        configSchema: { type: 'object', properties: { mode: { type: 'string', default: 'fast' } } },
        checkConfig: (config: { mode: string }) => [{ path: 'mode', message: `mode "${config.mode}" needs a license` }],
        create: () => (r) => r,
      });
    const boom = () =>
      defineTransform({
        name: 'picky',
        configSchema: { type: 'object' },
        checkConfig: () => {
          throw new Error('oops');
        },
        create: () => (r) => r,
      });
    const sets = ['steps.names={use: picky, inputs: read, config: {}}'];
    expect(await check('broken/bad-template.yaml', { picky }, sets)).toEqual([
      '--set steps.names: steps.names.config.mode: mode "fast" needs a license',
      expect.stringMatching(/^broken\/bad-template\.yaml:20:16: steps\.contacts\.config\.fields\.email: /),
    ]);
    const thrown = await check('broken/bad-template.yaml', { picky: boom }, sets);
    expect(thrown[0]).toBe(
      '--set steps.names: steps.names.config: plugin "picky" failed to check its config: oops (this is a bug in the plugin; report it to its authors)',
    );
  });

  test('checkConfig only sees values the schema accepted: rejected ones are left out (defaults return), or it is not asked', async () => {
    const seen: unknown[] = [];
    const counted = () =>
      defineTransform({
        name: 'counted',
        configSchema: {
          type: 'object',
          required: ['mode'],
          properties: { n: { type: 'integer', default: 1 }, mode: { enum: ['a', 'b'] } },
        },
        checkConfig: (config) => (seen.push(config), []),
        create: () => (r) => r,
      });
    const lines = await check('broken/bad-template.yaml', { counted }, [
      'steps.names={use: counted, inputs: read, config: {n: many, mode: a}}',
    ]);
    expect(lines.some((l) => l.includes('steps.names.config.n: must be integer'))).toBe(true);
    expect(seen).toEqual([{ n: 1, mode: 'a' }]);
    // Without the rejected required value the config would still fail its schema: checkConfig is not called.
    await check('broken/bad-template.yaml', { counted }, [
      'steps.names={use: counted, inputs: read, config: {mode: c}}',
    ]);
    expect(seen).toHaveLength(1);
  });

  test("one step's schema errors do not hide another step's checkConfig errors: both, each at its place", async () => {
    const lines = await check('broken/bad-template.yaml', {}, ['steps.load.config.table=7']);
    expect(lines).toEqual([
      '--set steps.load.config.table: must be string',
      expect.stringMatching(
        /^broken\/bad-template\.yaml:13:35: steps\.names\.config\.where\[1\]\.matches: not a valid regular expression: /,
      ),
      expect.stringMatching(
        /^broken\/bad-template\.yaml:20:16: steps\.contacts\.config\.fields\.email: Template .* unknown filter "shout"/,
      ),
    ]);
  });

  test("a schema error in one field does not hide checkConfig's errors about the step's other fields", async () => {
    const lines = await check('broken/bad-template.yaml', {}, [
      'steps.contacts.config.colour=red',
      'steps.names.config.where[0].colour=red',
    ]);
    expect(lines).toEqual([
      '--set steps.contacts.config.colour: unknown key "colour" (allowed keys: fields)',
      expect.stringMatching(/^--set steps\.names\.config\.where\[0\]\.colour: unknown key "colour"/),
      expect.stringMatching(
        /^broken\/bad-template\.yaml:13:35: steps\.names\.config\.where\[1\]\.matches: not a valid regular expression: /,
      ),
      expect.stringMatching(
        /^broken\/bad-template\.yaml:20:16: steps\.contacts\.config\.fields\.email: Template .* unknown filter "shout"/,
      ),
    ]);
  });
});

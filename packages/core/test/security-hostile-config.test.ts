import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, compileTemplate, formatIssue, loadPipelineText, loadProjectConfig } from '@etl/core';
import { builtinTransforms } from '../src/transforms/index.js';

// Every case here wrote into Object.prototype (or read from it) before the keys were refused.
const polluted = () => ({}) as Record<string, unknown>;
afterEach(() => {
  for (const key of ['polluted', 'x']) delete (Object.prototype as Record<string, unknown>)[key];
});

const yaml = `version: 1
steps:
  read:
    use: csv
    config:
      __proto__:
        polluted: yes
profiles:
  evil:
    steps:
      read:
        config:
          __proto__:
            polluted: yes
`;

describe('__proto__, constructor and prototype are refused as config keys', () => {
  test('a hostile YAML key is a located issue and pollutes nothing', () => {
    const loaded = loadPipelineText(yaml, '/p/hostile.yaml', { env: {} });
    expect(polluted().polluted).toBeUndefined();
    expect(loaded.issues.map((issue) => formatIssue(issue, '/p'))).toEqual([
      'hostile.yaml:6:7: steps.read.config.__proto__: the key "__proto__" is not allowed (rename the key: __proto__, constructor and prototype are refused because they reach the prototype of every object)',
      'hostile.yaml:13:11: profiles.evil.steps.read.config.__proto__: the key "__proto__" is not allowed (rename the key: __proto__, constructor and prototype are refused because they reach the prototype of every object)',
    ]);
  });

  test('applying a hostile profile pollutes nothing', () => {
    // Checked on its own: the profile's overlay went through mergeInto, which followed __proto__ into Object.prototype.
    loadPipelineText(
      yaml.replace(
        /^ {2}read:\n {4}use: csv\n {4}config:\n {6}__proto__:\n {8}polluted: yes\n/m,
        '  read:\n    use: csv\n    config: { file: a.csv }\n',
      ),
      '/p/hostile.yaml',
      { env: {}, profile: 'evil' },
    );
    expect(polluted().polluted).toBeUndefined();
  });

  test('a hostile --set path or value is a located issue and pollutes nothing', () => {
    const text = 'version: 1\nsteps:\n  read:\n    use: csv\n';
    const loaded = loadPipelineText(text, '/p/x.yaml', {
      env: {},
      sets: [
        '__proto__.x=1',
        'steps.read.config.constructor.prototype.x=1',
        'steps.read.config={"__proto__": {"x": 1}}',
      ],
    });
    expect(polluted().x).toBeUndefined();
    expect(loaded.issues.map((issue) => `${issue.file}: ${issue.path}: ${issue.message}`)).toEqual([
      '--set __proto__.x: __proto__.x: the key "__proto__" is not allowed',
      '--set steps.read.config.constructor.prototype.x: steps.read.config.constructor.prototype.x: the key "constructor" is not allowed',
      '--set steps.read.config: steps.read.config.__proto__: the key "__proto__" is not allowed',
    ]);
  });

  test('a template cannot write into __proto__ (compute field names are config keys)', () => {
    const text =
      'version: 1\nsteps:\n  c:\n    use: compute\n    config:\n      fields:\n        __proto__: "{{ name }}"\n';
    const loaded = loadPipelineText(text, '/p/c.yaml', { env: {} });
    expect(loaded.issues.map((issue) => formatIssue(issue, '/p'))).toEqual([
      expect.stringMatching(/^c.yaml:7:9: steps.c.config.fields.__proto__: the key "__proto__" is not allowed/),
    ]);
    // Reading stays own-properties only (transforms-template.test.ts): `{{ constructor }}` renders as empty text.
    expect(compileTemplate('{{ constructor }}')({})).toBe('');
  });

  test('a dedupe key cannot be __proto__', () => {
    const dedupe = builtinTransforms.dedupe();
    expect(dedupe.checkConfig?.({ key: ['name', '__proto__'] })).toEqual([
      { path: 'key[1]', message: expect.stringContaining('"__proto__" cannot be a key field') },
    ]);
  });
});

describe('project defaults', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etl-hostile-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  test('a __proto__ key in the project config is refused with its position', async () => {
    await writeFile(join(dir, 'package.json'), '{}');
    await writeFile(
      join(dir, 'etl.config.json'),
      '{\n  "defaults": {\n    "__proto__": { "polluted": true }\n  }\n}\n',
    );
    const error = await loadProjectConfig(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((issue) => formatIssue(issue, dir))).toEqual([
      expect.stringMatching(/^etl.config.json:3:5: defaults.__proto__: the key "__proto__" is not allowed/),
    ]);
    expect(polluted().polluted).toBeUndefined();
  });
});

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildCli, etl, etlUnbundled, fromCore, makeProject, removeProjects, repoRoot } from './helpers.js';

let project: string;
beforeAll(async () => {
  await buildCli();
  project = makeProject();
}, 600_000);
afterAll(removeProjects);

describe('etl --help', { timeout: 180_000 }, () => {
  test('lists the commands and documents the exit codes', async () => {
    const r = await etl(['--help'], { cwd: project });
    expect(r.code).toBe(0);
    for (const command of ['run', 'validate', 'schema', 'check', 'plugins', 'runs', 'migrate', 'sandbox'])
      expect(r.stdout).toMatch(new RegExp(`^  ${command}\\s`, 'm'));
    expect(r.stdout).toContain('EXIT CODES');
    expect(r.stdout).toMatch(/^ {2}3 +the pipeline or project config is invalid \(/m);
    expect(r.stdout).toMatch(/^ {2}130 +stopped by Ctrl-C/m);
  });

  test('a usage error exits 2', async () => {
    const r = await etl(['run'], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Missing 1 required arg');
  });
});

describe('etl validate', { timeout: 180_000 }, () => {
  test('every pipeline of the project is valid', async () => {
    const r = await etl(['validate'], { cwd: project });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      '✓ pipelines/numbers.yaml\n✓ pipelines/sandbox-env.yaml\n✓ pipelines/slow.yaml\n\n3 pipelines valid\n' +
        'Plugin code was imported to check step configs (--schemas-only imports none).\n',
    );
    expect(r.code).toBe(0);
  });

  test('a broken pipeline: every issue with file:line:col, exit 3', async () => {
    const r = await etl(['validate', 'broken/bad.yaml'], { cwd: project });
    expect(r.code).toBe(3);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('✗ broken/bad.yaml');
    expect(lines.slice(1, 4)).toEqual([
      '  broken/bad.yaml:6:14: steps.source.config.count: must be integer',
      '  broken/bad.yaml:9:14: steps.out.inputs[0]: no step named "sorce" (did you mean `source`?)',
      '  broken/bad.yaml:10:5: steps.out.retyr: unknown key "retyr" (did you mean `retry`?)',
    ]);
    expect(lines[4]).toMatch(
      /^ {2}broken\/bad\.yaml:14:10: steps\.extra\.use: unknown plugin "no-such-plugin" \(tried @etl\/source-no-such-plugin, /,
    );
    expect(r.stdout).toContain('\n1 of 1 pipeline invalid\n');
  });

  test("a plugin whose configSchema is no JSON Schema: located, said to be the plugin's bug, exit 3", async () => {
    writeFileSync(
      join(project, 'plugins/bad-schema.js'),
      "export default { name: 'bad-schema', kind: 'source', configSchema: { type: 'object', required: 'a' }, async *read() {} };\n",
    );
    writeFileSync(
      join(project, 'broken/bad-schema.yaml'),
      'version: 1\nsteps:\n  s: { use: ../plugins/bad-schema.js }\n  out: { use: ../plugins/file-sink.js, inputs: s, config: { file: x } }\n',
    );
    const r = await etl(['validate', 'broken/bad-schema.yaml'], { cwd: project });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(
      '  broken/bad-schema.yaml:3:13: steps.s.use: plugin "bad-schema" has an invalid configSchema: schema is invalid: data/required must be array (this is a bug in the plugin; report it to its authors)\n',
    );
  });

  test("plugins' own config checks: template filters in compute and hubspot properties, at file:line:col, exit 3", async () => {
    const r = await etl(['validate', 'broken/shout.yaml'], { cwd: project });
    expect(r.code).toBe(3);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('✗ broken/shout.yaml');
    expect(lines[1]).toMatch(
      /^ {2}broken\/shout\.yaml:10:16: steps\.contacts\.config\.fields\.email: Template "\{\{ name \| shout \}\}@example\.com" is invalid at column 11: unknown filter "shout"; known filters: /,
    );
    expect(lines[2]).toMatch(
      /^ {2}broken\/shout\.yaml:18:20: steps\.hubspot\.config\.properties\.firstname: Template .* unknown filter "titlecase"/,
    );
    expect(r.stdout).toContain('\n1 of 1 pipeline invalid\n');
    expect(r.stdout + r.stderr).not.toContain('pat-na1-not-a-real-token');
  });

  test("schema errors and plugins' own config checks in one pass, each located, in this step and in others", async () => {
    const r = await etl(['validate', 'broken/schema-and-check.yaml'], { cwd: project });
    expect(r.code).toBe(3);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('✗ broken/schema-and-check.yaml');
    expect(lines[1]).toBe('  broken/schema-and-check.yaml:6:14: steps.source.config.count: must be integer');
    expect(lines[2]).toBe(
      '  broken/schema-and-check.yaml:11:7: steps.contacts.config.colour: unknown key "colour" (allowed keys: fields)',
    );
    expect(lines[3]).toMatch(
      /^ {2}broken\/schema-and-check\.yaml:13:16: steps\.contacts\.config\.fields\.email: Template .* unknown filter "shout"/,
    );
    expect(lines[4]).toBe('');
  });

  test('unset variables are located warnings (exit 0); --strict makes them errors; run refuses them', async () => {
    const lint = await etl(['validate', 'broken/unset-env.yaml'], { cwd: project });
    expect(lint.code).toBe(0);
    expect(lint.stdout).toContain('✓ broken/unset-env.yaml\n');
    expect(lint.stdout).toContain(
      '  broken/unset-env.yaml:10:14: warning: steps.out.config.token: environment variable ETL_TEST_UNSET_TOKEN is not set',
    );
    expect(lint.stdout).toContain('Unset environment variables: ETL_TEST_UNSET_TOKEN');
    expect(lint.stdout).toContain('1 pipeline valid (1 warning)');

    const strict = await etl(['validate', 'broken/unset-env.yaml', '--strict'], { cwd: project });
    expect(strict.code).toBe(3);
    expect(strict.stdout).toContain('✗ broken/unset-env.yaml\n');
    expect(strict.stdout).toContain(
      '  broken/unset-env.yaml:10:14: steps.out.config.token: environment variable ETL_TEST_UNSET_TOKEN is not set',
    );

    const json = JSON.parse((await etl(['validate', 'broken/unset-env.yaml', '--json'], { cwd: project })).stdout);
    expect(json).toMatchObject({ valid: 1, invalid: 0 });
    expect(json.pipelines[0].warnings[0]).toMatchObject({
      line: 10,
      col: 14,
      path: 'steps.out.config.token',
      severity: 'warning',
    });

    const run = await etl(['run', 'broken/unset-env.yaml'], { cwd: project });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      'broken/unset-env.yaml:10:14: steps.out.config.token: environment variable ETL_TEST_UNSET_TOKEN is not set',
    );
    expect(run.stderr).not.toContain('warning');
  });

  test("the repository's own pipelines validate on a fresh checkout, where no secret is set", async () => {
    const r = await etl(['validate', 'pipelines/babynames.yaml'], { cwd: repoRoot });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // A developer's shell or .env may hold the token; CI and a fresh checkout do not.
    if (process.env.HUBSPOT_ACCESS_TOKEN === undefined && !existsSync(join(repoRoot, '.env')))
      expect(r.stdout).toMatch(
        /^ {2}pipelines\/babynames\.yaml:\d+:\d+: warning: steps\.hubspot\.config\.accessToken: environment variable HUBSPOT_ACCESS_TOKEN is not set/m,
      );
  });

  test('--json', async () => {
    const r = await etl(['validate', 'numbers', 'broken/bad.yaml', '--json'], { cwd: project });
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ valid: 1, invalid: 1 });
    expect(out.pipelines.map((p: { file: string; valid: boolean }) => [p.file, p.valid])).toEqual([
      ['pipelines/numbers.yaml', true],
      ['broken/bad.yaml', false],
    ]);
    expect(out.pipelines[1].issues[0]).toMatchObject({
      line: 6,
      col: 14,
      path: 'steps.source.config.count',
      message: 'must be integer',
    });
  });

  test('a pipeline that does not exist is a config error naming the ones that do', async () => {
    const r = await etl(['validate', 'nope'], { cwd: project });
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).toContain('numbers');
  });
});

describe('etl schema and etl plugins', { timeout: 180_000 }, () => {
  test('the schema is a JSON Schema that accepts the fixtures and rejects a bad built-in config', async () => {
    const r = await etl(['schema', '--output', '.etl/pipeline.schema.json'], { cwd: project });
    expect(r.code).toBe(0);
    const schema = JSON.parse(readFileSync(join(project, '.etl/pipeline.schema.json'), 'utf8'));
    const { Ajv } = fromCore('ajv') as typeof import('ajv');
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const { parse } = fromCore('yaml') as typeof import('yaml');
    const doc = parse(readFileSync(join(project, 'pipelines/numbers.yaml'), 'utf8'));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    doc.steps.distinct.config = { key: 'name' };
    expect(validate(doc)).toBe(false);

    const stdout = await etl(['schema'], { cwd: project });
    expect(JSON.parse(stdout.stdout)).toEqual(schema);
  });

  test('plugins --json lists the built-ins with their config fields', async () => {
    const r = await etl(['plugins', '--json'], { cwd: project });
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<{
      use: string;
      kind: string;
      config: Array<{ name: string; default?: unknown }>;
    }>;
    const dedupe = list.find((p) => p.use === 'dedupe');
    expect(dedupe).toMatchObject({ kind: 'transform', package: 'builtin' });
    expect(dedupe!.config).toContainEqual(
      expect.objectContaining({ name: 'caseSensitive', type: 'boolean', default: true, secret: false }),
    );
    expect(list.map((p) => p.use)).toEqual(
      expect.arrayContaining(['select', 'validate', 'dedupe', 'compute', 'filter']),
    );
  });

  test('validating the shipped pipeline loads none of the runtime stacks (browser, ORM, MySQL driver, HTTP, stand-ins)', async () => {
    const log = join(project, 'imports.log');
    const caches = join(project, 'caches.json');
    const r = await etl(['validate', 'babynames'], {
      cwd: repoRoot,
      env: {
        NODE_OPTIONS: `--import=${join(repoRoot, 'packages/cli/test/fixtures/log-imports.mjs')}`,
        ETL_TEST_IMPORTS_LOG: log,
        ETL_BUNDLE_CACHE_REPORT: caches,
      },
    });
    expect(r.stdout).toContain('✓ pipelines/babynames.yaml');
    const urls = readFileSync(log, 'utf8');
    // A file of the CLI's bundle (loaded by bin/load-bundle.js, which lists them) holds many modules, each under a
    // comment naming the file it came from.
    const bundled = Object.keys(bundleCaches(caches)).map((file) =>
      readFileSync(join(repoRoot, 'packages/cli/dist/bundle', file), 'utf8'),
    );
    const loaded = [urls, ...bundled].join('\n');
    expect(loaded).toContain('/source-kaggle/'); // the plugins were loaded, for their schemas
    expect(loaded).toContain('/sink-hubspot/');
    for (const stack of ['playwright', 'typeorm', 'mysql2', 'axios', 'fastify', 'csv-parse', 'yauzl'])
      expect(loaded).not.toContain(`/node_modules/${stack}/`);
  });

  test('from the bundle the build made, the same report as from the modules it was made of', async () => {
    const runs = [['validate'], ['validate', 'broken/bad.yaml', '--json'], ['validate', '--schemas-only']];
    for (const [i, args] of runs.entries()) {
      const caches = join(project, `bundle-caches-${i}.json`);
      const bundled = await etl(args, { cwd: project, env: { ETL_BUNDLE_CACHE_REPORT: caches } });
      expect(await etlUnbundled(args, { cwd: project })).toEqual(bundled);
      // The build's code cache was made on another project: V8 takes it for the files both load.
      expect(bundleCaches(caches)).toMatchObject({ 'bundle-entry.cjs': 'accepted' });
      expect(Object.values(bundleCaches(caches))).not.toContain('rejected');
      // core's generated validators go through the cache too
      expect(Object.keys(bundleCaches(caches))).toContainEqual(expect.stringMatching(/precompiled\/envelope\.cjs$/));
    }
  });
});

/** The files a bundled `etl validate` loaded, each with what V8 did with its code cache (bin/run.js). */
function bundleCaches(report: string): Record<string, 'accepted' | 'rejected' | 'missing'> {
  expect(existsSync(report), 'run `pnpm run build`: it bundles `etl validate`').toBe(true);
  return JSON.parse(readFileSync(report, 'utf8'));
}

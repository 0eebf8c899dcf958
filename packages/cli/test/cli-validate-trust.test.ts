import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildCli, etl, makeProject, removeProjects } from './helpers.js';

let project: string;
beforeAll(async () => {
  await buildCli();
  project = makeProject();
  // A plugin from an untrusted branch: importing it is enough to run its code.
  writeFileSync(
    join(project, 'plugins/trojan.js'),
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(new URL('../IMPORTED', import.meta.url), 'yes');\n` +
      `export default { name: 'trojan', kind: 'source', configSchema: { type: 'object', properties: { n: { type: 'integer' } } }, async *read() {} };\n`,
  );
  writeFileSync(
    join(project, 'pipelines/trojan.yaml'),
    'version: 1\nsteps:\n  source:\n    use: ../plugins/trojan.js\n    config: { n: 3 }\n  typed:\n    use: validate\n    inputs: [source]\n    config:\n      fields: { n: { type: integr } }\n',
  );
}, 600_000);
afterAll(removeProjects);

describe('etl validate says whether it imports plugin code, and --schemas-only imports none', {
  timeout: 180_000,
}, () => {
  test('--schemas-only: no plugin code runs; built-in transforms are still checked; unchecked steps are listed', async () => {
    const r = await etl(['validate', 'trojan', '--schemas-only'], { cwd: project });
    expect(existsSync(join(project, 'IMPORTED'))).toBe(false);
    expect(r.stdout).toContain(
      'pipelines/trojan.yaml:10:28: steps.typed.config.fields.n.type: must be one of: "string", "integer", "number", "boolean"',
    );
    expect(r.stdout).toContain('Not checked (plugin not imported): source (use: ../plugins/trojan.js)');
    expect(r.stdout).toContain('Schemas only: no plugin code was imported');
    expect(r.code).toBe(3);
  });

  test('--schemas-only --json says so too', async () => {
    const r = await etl(['validate', 'trojan', '--schemas-only', '--json'], { cwd: project });
    const json = JSON.parse(r.stdout);
    expect(json.pluginCode).toBe('not imported');
    expect(json.pipelines[0].notImported).toEqual([{ step: 'source', use: '../plugins/trojan.js' }]);
    expect(existsSync(join(project, 'IMPORTED'))).toBe(false);
  });

  test('the default imports it, and says so', async () => {
    const r = await etl(['validate', 'trojan'], { cwd: project });
    expect(r.stdout).toContain('Plugin code was imported to check step configs');
    expect(existsSync(join(project, 'IMPORTED'))).toBe(true);
  });
});

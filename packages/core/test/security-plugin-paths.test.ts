import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatIssue, preparePipeline } from '@etl/core';

// A plugin that leaves a mark when imported: loading it is the harm being tested, not running it.
const markingPlugin = (marker: string) =>
  `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'loaded');\n` +
  `export default { name: 'marked', kind: 'source', configSchema: { type: 'object' }, async *read() {} };\n`;
const pipeline = (use: string) => `version: 1\nsteps:\n  read:\n    use: ${use}\n`;

let base: string;
let project: string;
let outside: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'etl-use-paths-'));
  project = join(base, 'project');
  outside = join(base, 'elsewhere');
  await mkdir(join(project, 'pipelines'), { recursive: true });
  await mkdir(join(project, 'plugins'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(join(outside, 'evil.mjs'), markingPlugin(join(base, 'LOADED-evil')));
  await writeFile(join(project, 'plugins', 'own.mjs'), markingPlugin(join(base, 'LOADED-own')));
  await symlink(join(outside, 'evil.mjs'), join(project, 'plugins', 'link.mjs'));
});
afterAll(async () => rm(base, { recursive: true, force: true }));

async function check(use: string, name: string) {
  await writeFile(join(project, 'pipelines', `${name}.yaml`), pipeline(use));
  const { issues } = await preparePipeline(name, { cwd: project, env: {} });
  return issues.map((issue) => formatIssue(issue, project));
}

describe('`use:` paths resolve inside the project unless the project config allows more', () => {
  test('../ out of the project is refused with a located error, and nothing is imported', async () => {
    const lines = await check('../../elsewhere/evil.mjs', 'up');
    expect(lines).toEqual([
      expect.stringMatching(
        /^pipelines\/up.yaml:4:10: steps.read.use: Plugin path \.\.\/\.\.\/elsewhere\/evil.mjs resolves to .*evil.mjs, outside the project/,
      ),
    ]);
    expect(existsSync(join(base, 'LOADED-evil'))).toBe(false);
  });

  test('an absolute path outside, or a symlink inside pointing outside, is refused too', async () => {
    expect(await check(join(outside, 'evil.mjs'), 'absolute')).toEqual([
      expect.stringContaining('outside the project'),
    ]);
    expect(await check('../plugins/link.mjs', 'link')).toEqual([expect.stringContaining('outside the project')]);
    expect(existsSync(join(base, 'LOADED-evil'))).toBe(false);
  });

  test('a path inside the project loads', async () => {
    expect(await check('../plugins/own.mjs', 'own')).toEqual([]);
    expect(existsSync(join(base, 'LOADED-own'))).toBe(true);
  });

  test('pluginPaths in the project config allow a folder outside', async () => {
    await writeFile(join(project, 'etl.config.json'), JSON.stringify({ pluginPaths: [outside] }));
    try {
      expect(await check('../../elsewhere/evil.mjs', 'allowed')).toEqual([]);
      expect(existsSync(join(base, 'LOADED-evil'))).toBe(true);
    } finally {
      await rm(join(project, 'etl.config.json'));
    }
  });
});

describe("plugin names resolve inside the project or from etl's own install, never from a folder above the project", () => {
  const plantPackage = async (root: string, name: string, marker: string) => {
    const dir = join(root, 'node_modules', name);
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name, version: '1.0.0', type: 'module', main: 'index.mjs' }),
    );
    await writeFile(join(dir, 'index.mjs'), markingPlugin(marker));
  };

  test('a node_modules/etl-plugin-NAME planted above the project is not loaded; one in the project is', async () => {
    await plantPackage(base, 'etl-plugin-planted', join(base, 'LOADED-planted'));
    const issues = await check('planted', 'planted');
    expect(issues.join('\n')).toContain('planted');
    expect(existsSync(join(base, 'LOADED-planted'))).toBe(false);

    await plantPackage(project, 'etl-plugin-ours', join(base, 'LOADED-ours'));
    expect(await check('ours', 'ours')).toEqual([]);
    expect(existsSync(join(base, 'LOADED-ours'))).toBe(true);
  });

  test("a name found from etl's own install loads even when that install lies outside the project", async () => {
    const install = join(base, 'global', 'lib', 'node_modules', 'etl-cli');
    await mkdir(install, { recursive: true });
    await plantPackage(join(base, 'global', 'lib'), 'etl-plugin-beside', join(base, 'LOADED-beside'));
    const { issues } = await preparePipeline(await named('beside'), {
      cwd: project,
      env: {},
      extraSearchPaths: [install],
    });
    expect(issues).toEqual([]);
    expect(existsSync(join(base, 'LOADED-beside'))).toBe(true);
  });
});

async function named(name: string): Promise<string> {
  await writeFile(join(project, 'pipelines', `${name}.yaml`), pipeline(name));
  return name;
}

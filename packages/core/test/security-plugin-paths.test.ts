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
    expect(lines).toEqual([expect.stringMatching(/^pipelines\/up.yaml:4:10: steps.read.use: Plugin path \.\.\/\.\.\/elsewhere\/evil.mjs resolves to .*evil.mjs, outside the project/)]);
    expect(existsSync(join(base, 'LOADED-evil'))).toBe(false);
  });

  test('an absolute path outside, or a symlink inside pointing outside, is refused too', async () => {
    expect(await check(join(outside, 'evil.mjs'), 'absolute')).toEqual([expect.stringContaining('outside the project')]);
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

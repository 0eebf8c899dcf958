import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProjectConfig } from '@etl/core';

// A config file that leaves a mark when it is executed: what a planted `.etlrc.js` would do, minus the harm.
const planted = (marker: string) =>
  `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nmodule.exports = { stateDir: '/tmp/evil-state' };\n`;

let base: string;
const savedXdg = process.env.XDG_CONFIG_HOME;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'etl-planted-'));
});
afterAll(async () => rm(base, { recursive: true, force: true }));
afterEach(() => {
  if (savedXdg === undefined) delete process.env.XDG_CONFIG_HOME;
  else process.env.XDG_CONFIG_HOME = savedXdg;
});

describe('the project-config search stops at the project root and never reads global config', () => {
  test('a .etlrc.cjs planted in a parent folder does not run for a project below it', async () => {
    const marker = join(base, 'RAN-parent');
    await writeFile(join(base, '.etlrc.cjs'), planted(marker));
    const project = join(base, 'proj');
    await mkdir(join(project, 'pipelines', 'sub'), { recursive: true });
    const config = await loadProjectConfig(join(project, 'pipelines', 'sub'));
    expect(existsSync(marker)).toBe(false);
    expect(config.configFile).toBeUndefined();
    expect(config.stateDir).not.toBe('/tmp/evil-state');
  });

  test('nor for a folder that is no project at all (only that folder is searched)', async () => {
    const marker = join(base, 'RAN-loose');
    await writeFile(
      join(base, '.etlrc.js'),
      planted(marker)
        .replace('module.exports =', 'export default')
        .replace("require('node:fs')", "(await import('node:fs'))"),
    );
    const loose = join(base, 'loose', 'deeper');
    await mkdir(loose, { recursive: true });
    const config = await loadProjectConfig(loose);
    expect(existsSync(marker)).toBe(false);
    expect(config.configFile).toBeUndefined();
  });

  test('~/.config/etl (cosmiconfig global search) is never read', async () => {
    const xdg = join(base, 'xdg');
    const marker = join(base, 'RAN-global');
    await mkdir(join(xdg, 'etl'), { recursive: true });
    await writeFile(join(xdg, 'etl', 'config.cjs'), planted(marker));
    await writeFile(join(xdg, 'etl', 'config.json'), '{ "stateDir": "/tmp/evil-state" }');
    process.env.XDG_CONFIG_HOME = xdg;
    const project = join(base, 'proj2');
    await mkdir(project, { recursive: true });
    await writeFile(join(project, 'package.json'), '{}');
    const config = await loadProjectConfig(project);
    expect(existsSync(marker)).toBe(false);
    expect(config.stateDir).toBe(join(project, '.etl'));
  });

  test('a config in the project root is still found from a subfolder', async () => {
    const project = join(base, 'proj3');
    await mkdir(join(project, 'pipelines'), { recursive: true });
    await mkdir(join(project, 'src', 'deep'), { recursive: true });
    await writeFile(join(project, 'etl.config.json'), '{ "stateDir": "state" }');
    const config = await loadProjectConfig(join(project, 'src', 'deep'));
    expect(config.root).toBe(project);
    expect(config.stateDir).toBe(join(project, 'state'));
  });
});

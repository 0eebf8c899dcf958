/**
 * Every package under packages/ can be published and used from outside the repository: a README and LICENSE in the
 * tarball, exports that publish without the `@etl/source` condition (which points at src/*.ts), and plugins that take
 * @etl/core (and the kit) as peer + dev dependencies, never as a dependency of their own.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

interface Manifest {
  name: string;
  private?: boolean;
  files?: string[];
  exports?: Record<string, Record<string, string>>;
  publishConfig?: { access?: string; exports?: Record<string, Record<string, string>> };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const dirs = readdirSync(join(repoRoot, 'packages')).map((name) => `packages/${name}`);
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8'));
const plugins = dirs.filter((dir) => /\/(source|sink|transform)-/.test(dir));

describe('publishable packages', () => {
  test.each(dirs)('%s: README, LICENSE, files and publishConfig', (dir) => {
    const m = manifest(dir);
    expect(m.private).not.toBe(true);
    expect(existsSync(join(repoRoot, dir, 'README.md'))).toBe(true);
    expect(existsSync(join(repoRoot, dir, 'LICENSE'))).toBe(true);
    expect(m.files).toEqual(expect.arrayContaining(['dist', 'README.md', 'LICENSE']));
    expect(m.publishConfig?.access).toBe('public');
    // The published exports are the dev ones minus the source condition, subpath for subpath.
    const published = m.publishConfig?.exports ?? {};
    expect(Object.keys(published)).toEqual(Object.keys(m.exports ?? {}));
    for (const [subpath, conditions] of Object.entries(m.exports ?? {})) {
      const { '@etl/source': source, ...rest } = conditions;
      expect(source, `${subpath} keeps its sources behind @etl/source`).toMatch(/^\.\/src\//);
      expect(published[subpath]).toEqual(rest);
      expect(JSON.stringify(published[subpath])).not.toContain('/src/');
      expect(Object.keys(conditions)).not.toContain('development');
    }
  });

  test.each(plugins)('%s: @etl/core and @etl/testing are peer/dev dependencies', (dir) => {
    const m = manifest(dir);
    expect(m.dependencies?.['@etl/core']).toBeUndefined();
    expect(m.peerDependencies?.['@etl/core']).toBe('workspace:^');
    expect(m.devDependencies?.['@etl/core']).toBe('workspace:^');
    expect(m.devDependencies?.['@etl/testing']).toBe('workspace:^');
  });

  test("the kit shares the plugin's core; the sandbox ships the sample data it serves", () => {
    expect(manifest('packages/testing').peerDependencies?.['@etl/core']).toBe('workspace:^');
    expect(manifest('packages/testing').dependencies?.['@etl/core']).toBeUndefined();
    expect(manifest('packages/sandbox').files).toContain('data');
    expect(manifest('packages/cli').files).toEqual(expect.arrayContaining(['bin', 'templates']));
  });
});

/**
 * Dependencies stay honest: every runtime dependency a package declares is imported by its code, type packages
 * belong to something installed, decorator compiler flags exist only while some code uses decorators, and a
 * dependency that several packages share takes its version from the one pnpm catalog.
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/**
 * Declared on purpose without an import: the CLI finds these plugins by name at run time (`use: kaggle`), and the
 * validators its build generates into dist/precompiled (scripts/precompile.js) require ajv-formats.
 */
const loadedByName: Record<string, string[]> = {
  'packages/cli': ['@etl/source-kaggle', '@etl/sink-mysql', '@etl/sink-hubspot', '@etl/sink-pipedrive', 'ajv-formats'],
};

const packageDirs = ['packages', 'examples'].flatMap((dir) =>
  readdirSync(join(repoRoot, dir))
    .map((name) => `${dir}/${name}`)
    .filter((dir) => existsSync(join(repoRoot, dir, 'package.json'))),
);
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8'));

function sourceText(dir: string): string {
  const files: string[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      if (name === 'node_modules' || name === 'dist') continue;
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.(ts|js|mjs|cjs)$/.test(name)) files.push(readFileSync(full, 'utf8'));
    }
  };
  for (const sub of ['src', 'bin', 'test', 'bench'])
    if (existsSync(join(repoRoot, dir, sub))) walk(join(repoRoot, dir, sub));
  return files.join('\n');
}

/** `from 'x'`, `from 'x/sub'`, `import('x')`, `require('x')`, `resolve('x')`. */
const imports = (text: string, name: string): boolean =>
  new RegExp(`(from |import\\(|require\\(|resolve\\()['"]${name.replace(/[/.]/g, '\\$&')}(/[^'"]*)?['"]`).test(text);

describe('dependencies', () => {
  test.each(packageDirs)('%s imports every runtime dependency it declares', (dir) => {
    const text = sourceText(dir);
    const unused = Object.keys(manifest(dir).dependencies ?? {}).filter(
      (name) => !imports(text, name) && !loadedByName[dir]?.includes(name),
    );
    expect(unused).toEqual([]);
  });

  test('each @types package at the root types a package that is installed', () => {
    const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;
    const declared = new Set(
      [root, ...packageDirs.map(manifest)].flatMap((m) => [
        ...Object.keys(m.dependencies ?? {}),
        ...Object.keys(m.devDependencies ?? {}),
      ]),
    );
    const orphans = Object.keys(root.devDependencies ?? {})
      .filter((name) => name.startsWith('@types/') && name !== '@types/node')
      .filter((name) => !declared.has(name.slice('@types/'.length)));
    expect(orphans).toEqual([]);
  });

  test('decorator compiler flags only while some code uses decorators', () => {
    const usesDecorators = packageDirs.some((dir) => /^\s*@[A-Z]\w*\(/m.test(sourceText(dir)));
    const configs = ['tsconfig.base.json', ...packageDirs.map((dir) => `${dir}/tsconfig.json`)].filter((file) =>
      existsSync(join(repoRoot, file)),
    );
    const flagged = configs.filter((file) =>
      /"(experimentalDecorators|emitDecoratorMetadata)"\s*:\s*true/.test(readFileSync(join(repoRoot, file), 'utf8')),
    );
    expect(usesDecorators ? [] : flagged).toEqual([]);
  });

  test('a dependency declared by more than one package.json is `catalog:` in each, with its version in the catalog', () => {
    const catalog =
      (parse(readFileSync(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8')) as { catalog?: Record<string, string> })
        .catalog ?? {};
    const owners = new Map<string, string[]>();
    for (const dir of ['.', ...packageDirs]) {
      const m = manifest(dir);
      for (const [name, spec] of Object.entries({ ...m.dependencies, ...m.devDependencies })) {
        if (spec.startsWith('workspace:')) continue;
        owners.set(name, [...(owners.get(name) ?? []), `${dir}/package.json ${name}@${spec}`]);
      }
    }
    const shared = [...owners.values()].filter((list) => list.length > 1).flat();
    expect(shared.filter((entry) => !entry.endsWith('@catalog:'))).toEqual([]);
    const uncataloged = [...owners].filter(
      ([name, list]) => list.some((entry) => entry.endsWith('@catalog:')) && !(name in catalog),
    );
    expect(uncataloged).toEqual([]);
    // The tools every package builds and tests with, whether or not a second package.json names them yet.
    for (const name of ['typescript', 'vitest', '@types/node', 'axios', 'mysql2', 'yaml', 'ajv'])
      expect(catalog, name).toHaveProperty([name]);
  });
});

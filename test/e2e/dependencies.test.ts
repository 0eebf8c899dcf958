/**
 * Dependencies stay honest: every runtime dependency a package declares is imported by its code, type packages
 * belong to something installed, and decorator compiler flags exist only while some code uses decorators.
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** Other work in progress owns these files (their unused entries are reported there, e.g. sink-mysql's reflect-metadata). */
const ownedElsewhere = new Set(['packages/sink-hubspot', 'packages/sink-mysql']);

/** Declared on purpose without an import: the CLI finds these plugins by name at run time (`use: kaggle`). */
const loadedByName: Record<string, string[]> = {
  'packages/cli': ['@etl/source-kaggle', '@etl/sink-mysql', '@etl/sink-hubspot'],
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
  for (const sub of ['src', 'bin', 'test', 'bench']) if (existsSync(join(repoRoot, dir, sub))) walk(join(repoRoot, dir, sub));
  return files.join('\n');
}

/** `from 'x'`, `from 'x/sub'`, `import('x')`, `require('x')`, `resolve('x')`. */
const imports = (text: string, name: string): boolean =>
  new RegExp(`(from |import\\(|require\\(|resolve\\()['"]${name.replace(/[/.]/g, '\\$&')}(/[^'"]*)?['"]`).test(text);

describe('dependencies', () => {
  test.each(packageDirs.filter((dir) => !ownedElsewhere.has(dir)))('%s imports every runtime dependency it declares', (dir) => {
    const text = sourceText(dir);
    const unused = Object.keys(manifest(dir).dependencies ?? {}).filter((name) => !imports(text, name) && !loadedByName[dir]?.includes(name));
    expect(unused).toEqual([]);
  });

  test('each @types package at the root types a package that is installed', () => {
    const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;
    const declared = new Set([root, ...packageDirs.map(manifest)].flatMap((m) => [...Object.keys(m.dependencies ?? {}), ...Object.keys(m.devDependencies ?? {})]));
    const orphans = Object.keys(root.devDependencies ?? {})
      .filter((name) => name.startsWith('@types/') && name !== '@types/node')
      .filter((name) => !declared.has(name.slice('@types/'.length)));
    expect(orphans).toEqual([]);
  });

  test('decorator compiler flags only while some code uses decorators', () => {
    const usesDecorators = packageDirs.some((dir) => /^\s*@[A-Z]\w*\(/m.test(sourceText(dir)));
    const configs = ['tsconfig.base.json', ...packageDirs.map((dir) => `${dir}/tsconfig.json`)].filter((file) => existsSync(join(repoRoot, file)));
    const flagged = configs.filter((file) => /"(experimentalDecorators|emitDecoratorMetadata)"\s*:\s*true/.test(readFileSync(join(repoRoot, file), 'utf8')));
    expect(usesDecorators ? [] : flagged).toEqual([]);
  });
});

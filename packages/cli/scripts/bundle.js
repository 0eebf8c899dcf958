#!/usr/bin/env node
// Writes dist/bundle/: `etl validate` (with oclif, @etl/core, yaml and the shipped plugins' entries) bundled by
// rolldown into a few CommonJS files (bin/load-bundle.js loads them through V8's code cache), which bin/run.js runs
// instead of the ~400 modules they come from when every file listed in dist/bundle/inputs.json is older than the
// bundle. Part of `pnpm run build`, after `tsc -b`; not published
// (package.json `files`): the bundle names the files it was built from by their absolute paths.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rolldown } from 'rolldown';
import { parseAst } from 'rolldown/parseAst';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'bundle');

// Each module keeps its own `import.meta.url` (and a CommonJS one its `__dirname` and `__filename`): the files it
// finds next to itself (precompiled validators, the plugin-resolution hooks, package.json) and the packages its
// `createRequire` or `import.meta.resolve` finds are where they were. (A replacement that broke the code fails the
// build.)
const ownLocation = {
  name: 'own-location',
  transform(code, id) {
    const url = JSON.stringify(pathToFileURL(id).href);
    let located = code.replaceAll('import.meta.url', url).replaceAll('import.meta.resolve(', `${resolveFrom(url)}(`);
    if (/\b__(?:dirname|filename)\b/.test(code) && !/^\s*(?:import|export)\b/m.test(code))
      located = `var __dirname = ${JSON.stringify(dirname(id))}, __filename = ${JSON.stringify(id)};\n${located}`;
    return located === code ? null : { code: located, map: null };
  },
};

/**
 * `import.meta.resolve` from the module at `url` (a JSON string), in a CommonJS file. The bundle resolves only the
 * shipped plugins' entries, whose `exports` name one file for every condition, so `require.resolve` finds the same.
 */
function resolveFrom(url) {
  return `((specifier) => require('node:url').pathToFileURL(require('node:module').createRequire(${url}).resolve(specifier)).href)`;
}

// A dynamic `import()` left in the bundle loads a module outside it (a project's plugin; oclif's loader). Code that
// V8 compiled for `vm` cannot make one on Node 20: it calls the one bin/load-bundle.js hands its files instead.
const importOutside = {
  name: 'import-outside',
  renderChunk(code) {
    if (!/\bimport\s*\(/.test(code)) return null;
    const starts = [];
    const visit = (node) => {
      if (Array.isArray(node)) return node.forEach(visit);
      if (!node || typeof node.type !== 'string') return;
      if (node.type === 'ImportExpression') starts.push(node.start);
      for (const value of Object.values(node)) if (value && typeof value === 'object') visit(value);
    };
    visit(parseAst(code));
    if (starts.length === 0) return null;
    let rewritten = code;
    for (const start of starts.sort((a, b) => b - a))
      rewritten = `${rewritten.slice(0, start)}__bundleImport${rewritten.slice(start + 'import'.length)}`;
    return { code: rewritten, map: null };
  },
};

rmSync(out, { recursive: true, force: true });
const bundle = await rolldown({
  input: { 'bundle-entry': join(root, 'dist/bundle-entry.js') },
  platform: 'node',
  // oclif looks for TypeScript only to run a plugin from its sources (never here): left to Node, not bundled.
  external: ['typescript'],
  plugins: [ownLocation, importOutside],
  // Direct `eval` in lmdb's and playwright's code (chunks `etl validate` never loads) is theirs, not a problem here.
  onLog: (level, log, report) => log.code === 'EVAL' || report(level, log),
});
const { output } = await bundle.write({
  dir: out,
  format: 'cjs',
  codeSplitting: true,
  entryFileNames: '[name].cjs',
  chunkFileNames: '[name]-[hash].cjs',
});
await bundle.close();

// What a later change makes the bundle stale with: every file of this workspace it holds code from (a later
// `tsc -b`), and pnpm's record of the install (a new install; files from the store keep their old times).
const modules = output.flatMap((chunk) => (chunk.type === 'chunk' ? Object.keys(chunk.modules) : []));
const inputs = [...new Set(modules)]
  .filter((id) => isAbsolute(id) && !id.includes(`${sep}node_modules${sep}`))
  .concat(installRecord(root) ?? [])
  .sort();
writeFileSync(join(out, 'inputs.json'), `${JSON.stringify(inputs)}\n`);
console.log(`bundled etl validate from ${new Set(modules).size} modules into ${output.length} files`);

/** pnpm's `node_modules/.modules.yaml` of the workspace (rewritten by every install), if any. */
function installRecord(from) {
  for (let dir = from; dirname(dir) !== dir; dir = dirname(dir)) {
    const record = join(dir, 'node_modules', '.modules.yaml');
    if (existsSync(record) && existsSync(join(dir, 'pnpm-workspace.yaml'))) return record;
  }
  return undefined;
}

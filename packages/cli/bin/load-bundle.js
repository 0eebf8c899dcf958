// Loads the CommonJS bundle scripts/bundle.js makes of `etl validate`, each file through V8's code cache when the
// build left one (scripts/code-cache.js): compiling the bundle's megabyte of code was an eighth of the command's
// start-up, and Node 20 caches no user code by itself. A cache V8 rejects (another Node, other V8 flags) or a missing
// one only costs that compilation.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { Script } from 'node:vm';

/**
 * The files' code runs in a function like Node's CommonJS wrapper, whose extra parameter stands in for the `import()`
 * that code compiled by `vm` cannot make (Node 20 allows it only with --experimental-vm-modules): scripts/bundle.js
 * rewrites the bundle's dynamic imports (of plugins outside it) to call it.
 */
const wrapper = ['(function (exports, require, module, __filename, __dirname, __bundleImport) {', '\n})'];
const importOutside = (specifier) => import(specifier);

/**
 * The bundle in `dir`. `load(file)` returns the exports of a file of the bundle (by its path from `dir`) or of a
 * CommonJS file outside it that requires nothing but Node's modules and packages (core's generated validators);
 * `caches()` says, by path from `dir`, which came from a code cache.
 */
export function openBundle(folder) {
  const dir = resolve(folder);
  const loaded = new Map();

  function load(file) {
    const path = resolve(dir, file);
    const known = loaded.get(path);
    if (known) return known.module.exports;
    const cachedData = readCache(dir, path);
    const source = readFileSync(path, 'utf8');
    const script = new Script(wrapper[0] + source + wrapper[1], { filename: path, cachedData });
    const module = { exports: {} };
    const cache = cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted';
    loaded.set(path, { script, module, cache });
    const outside = createRequire(path);
    // The bundle's files require each other as `./name.cjs`; everything else is Node's to load.
    const inBundle = dirname(path) === dir;
    const require = Object.assign((id) => (inBundle && id.startsWith('./') ? load(id) : outside(id)), outside);
    script.runInThisContext()(module.exports, require, module, path, dirname(path), importOutside);
    return module.exports;
  }

  return {
    load,
    caches: () => Object.fromEntries([...loaded].map(([path, { cache }]) => [relative(dir, path), cache])),
    /** Writes each loaded file's code cache, with the functions the run compiled so far (scripts/code-cache.js). */
    writeCaches: () => {
      mkdirSync(join(dir, 'code-cache'), { recursive: true });
      for (const [path, { script }] of loaded) writeFileSync(cacheFile(dir, path), script.createCachedData());
    },
  };
}

/** The cache of the file at `path`, in the bundle's folder whether the file is there or not. */
const cacheFile = (dir, path) =>
  join(dir, 'code-cache', `${createHash('sha256').update(path).digest('hex').slice(0, 32)}.v8-cache`);

/** The code cache of `path`, unless the file changed after it was written (V8 itself only compares lengths). */
function readCache(dir, path) {
  const cache = cacheFile(dir, path);
  const cachedAt = statSync(cache, { throwIfNoEntry: false })?.mtimeMs;
  if (cachedAt === undefined || cachedAt < statSync(path).mtimeMs) return undefined;
  return readFileSync(cache);
}

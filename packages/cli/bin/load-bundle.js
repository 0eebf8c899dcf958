// Loads the CommonJS bundle scripts/bundle.js makes of `etl validate`, each file through V8's code cache when the
// build left one beside it (scripts/code-cache.js): compiling the bundle's megabyte of code was an eighth of the
// command's start-up, and Node 20 caches no user code by itself. A cache V8 rejects (another Node, other V8 flags)
// or a missing one only costs that compilation.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

/**
 * The files' code runs in a function like Node's CommonJS wrapper, whose extra parameter stands in for the `import()`
 * that code compiled by `vm` cannot make (Node 20 allows it only with --experimental-vm-modules): scripts/bundle.js
 * rewrites the bundle's dynamic imports (of plugins outside it) to call it.
 */
const wrapper = ['(function (exports, require, module, __filename, __dirname, __bundleImport) {', '\n})'];
const importOutside = (specifier) => import(specifier);

/** The bundle in `dir`: `load(file)` returns a file's exports; `caches()` says which came from a cache. */
export function openBundle(dir) {
  const loaded = new Map();

  function load(file) {
    const known = loaded.get(file);
    if (known) return known.module.exports;
    const path = join(dir, file);
    const cachedData = readCache(path);
    const source = readFileSync(path, 'utf8');
    const script = new Script(wrapper[0] + source + wrapper[1], { filename: path, cachedData });
    const module = { exports: {} };
    const cache = cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted';
    loaded.set(file, { script, module, cache });
    const outside = createRequire(path);
    // The bundle's files require each other as `./name.cjs`; everything else (Node's modules) is Node's to load.
    const require = Object.assign((id) => (id.startsWith('./') ? load(id.slice(2)) : outside(id)), outside);
    script.runInThisContext()(module.exports, require, module, path, dir, importOutside);
    return module.exports;
  }

  return {
    load,
    caches: () => Object.fromEntries([...loaded].map(([file, { cache }]) => [file, cache])),
    /** Writes each loaded file's code cache, with the functions the run compiled so far (scripts/code-cache.js). */
    writeCaches: () => {
      for (const [file, { script }] of loaded) writeFileSync(cacheFile(join(dir, file)), script.createCachedData());
    },
  };
}

const cacheFile = (path) => `${path}.v8-cache`;

/** The code cache of `path`, unless the file changed after it was written (V8 itself only compares lengths). */
function readCache(path) {
  const cache = cacheFile(path);
  const cachedAt = statSync(cache, { throwIfNoEntry: false })?.mtimeMs;
  if (cachedAt === undefined || cachedAt < statSync(path).mtimeMs) return undefined;
  return readFileSync(cache);
}

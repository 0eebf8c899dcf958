import { createRequire, Module } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * yazl, loaded so that its `require('buffer-crc32')` gets the CommonJS build.
 *
 * Why: when Node runs with `--conditions import` (vitest passes the repo's `ssr.resolve.externalConditions` that way),
 * CommonJS `require` also matches buffer-crc32's `import` export, gets its ESM build (a default export only) and yazl
 * crashes with "crc32.unsigned is not a function" mid-stream. Pre-seeding the require cache with the CommonJS build
 * under the ESM path avoids that; without the flag this is a no-op.
 */
function loadYazl(): typeof import('yazl') {
  const fromYazl = createRequire(require.resolve('yazl'));
  const crcPath = fromYazl.resolve('buffer-crc32');
  if (crcPath.endsWith('.mjs') && !require.cache[crcPath]) {
    const shim = new Module(crcPath);
    shim.filename = crcPath;
    shim.loaded = true;
    shim.exports = fromYazl(crcPath.replace(/\.mjs$/, '.cjs'));
    require.cache[crcPath] = shim;
  }
  return require('yazl') as typeof import('yazl');
}

/** The yazl module (zip writer). */
export const yazl = loadYazl();

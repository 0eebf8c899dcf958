#!/usr/bin/env node
/**
 * Exits 1 with a readable message when this Node.js is older than the floor in package.json's `engines.node`
 * (`node scripts/check-node.js [version]`; the argument is for tests). package.json is the one place the floor is
 * written, so setup.sh and the engines fields cannot disagree.
 *
 * Written for any Node.js that might be installed (no optional chaining, no top-level await): its whole job is to
 * run on a Node that is too old.
 */
import { readFileSync } from 'node:fs';

const engines = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines;
const floorText = String(engines?.node).replace(/^>=\s*/, '');
const parts = (version) =>
  version
    .replace(/^v/, '')
    .split('.')
    .map((part) => parseInt(part, 10) || 0);
const floor = parts(floorText);
const found = process.argv[2] || process.versions.node;
const have = parts(found);

let older = false;
for (let i = 0; i < 3; i++) {
  if ((have[i] || 0) !== (floor[i] || 0)) {
    older = (have[i] || 0) < (floor[i] || 0);
    break;
  }
}
if (older) {
  process.stderr.write(
    `Node.js ${floorText} or newer is required; this is ${found}.\n` +
      '  Why: node:zlib crc32 (checkpoints) needs 20.15, typeorm 1.1 and vite 8 need 20.19.\n' +
      `  Try this: install Node.js 20.19+ or 22 (e.g. \`nvm install 20 && nvm use 20\`), then run this again.\n`,
  );
  process.exit(1);
}

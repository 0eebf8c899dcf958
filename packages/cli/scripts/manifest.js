#!/usr/bin/env node
// Writes oclif.manifest.json (every command's id, flags and help) next to package.json, so `etl` finds the command it
// runs without importing every command module to list them. Part of `pnpm run build` and of the published package;
// never committed (.gitignore). bin/run.js drops it when a later `tsc -b` left dist/ newer than it.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// What `oclif manifest` does, without the oclif dev tool: load the commands from dist/ and cache them.
const plugin = new Plugin({
  root,
  isRoot: true,
  type: 'core',
  ignoreManifest: true,
  errorOnManifestCreate: true,
  respectNoCacheDefault: true,
});
await plugin.load();
writeFileSync(join(root, 'oclif.manifest.json'), `${JSON.stringify(plugin.manifest)}\n`);

#!/usr/bin/env node
// Writes dist/config/precompiled/*.cjs: ajv's standalone validators for the schemas core owns (src/config/precompiled.ts
// says why and how a stale one is ignored). Part of `pnpm run build`, after `tsc -b`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { precompiledSources } from '../dist/config/precompile.js';
import { PRECOMPILED_DIR } from '../dist/config/precompiled.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../dist/config', PRECOMPILED_DIR);
mkdirSync(dir, { recursive: true });
for (const [name, text] of precompiledSources()) writeFileSync(join(dir, `${name}.cjs`), text);

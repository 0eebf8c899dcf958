#!/usr/bin/env node
// Writes dist/config/precompiled/*.cjs: ajv's standalone validators for the schemas core owns and for the config
// schemas of its built-in transforms (src/config/precompiled.ts says why and how a stale one is ignored). Part of
// `pnpm run build`, after `tsc -b`.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pluginSchemaSources, precompiledSources } from '../dist/config/precompile.js';
import { PRECOMPILED_DIR } from '../dist/config/precompiled.js';
import { builtinTransforms } from '../dist/transforms/index.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../dist/config', PRECOMPILED_DIR);
mkdirSync(dir, { recursive: true });
// Keyed files of earlier builds would only pile up: a changed schema has a new key.
for (const file of readdirSync(dir)) if (file.startsWith('schema-')) rmSync(join(dir, file));
for (const [name, text] of precompiledSources()) writeFileSync(join(dir, `${name}.cjs`), text);
const transformSchemas = Object.values(builtinTransforms).map((factory) => factory().configSchema);
for (const [file, text] of pluginSchemaSources(transformSchemas)) writeFileSync(join(dir, file), text);

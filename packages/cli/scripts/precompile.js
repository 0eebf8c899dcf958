#!/usr/bin/env node
// Writes dist/precompiled/schema-*.cjs: ajv's standalone validators for the config schemas of the plugins installed
// with the CLI (the ones it ships with), so `etl validate` compiles none of them at start-up. Named by the key of the
// schema they were made from (core's src/config/precompiled.ts): a plugin changed or installed since finds no file
// and is compiled at run time. Part of `pnpm run build`; the base command registers the folder.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPluginResolver } from '@etl/core';
import { pluginSchemaSources } from '@etl/core/precompile';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'dist', 'precompiled');
const installed = await createPluginResolver({ searchPaths: [root], installRoots: [root] }).listInstalled();
const schemas = installed.flatMap((found) => (found.plugin ? [found.plugin.configSchema] : []));
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const sources = pluginSchemaSources(schemas);
for (const [file, text] of sources) writeFileSync(join(dir, file), text);
console.log(`precompiled the config schemas of ${sources.size} plugins: ${installed.map((p) => p.use).join(', ')}`);

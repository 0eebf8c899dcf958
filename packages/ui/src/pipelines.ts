/**
 * The pipelines the dashboard can start: names and profile names only, read from the pipeline files' top level.
 * Step configs are never sent to the page (they name hosts, and `${env:…}` values resolve to secrets only at run time).
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { listPipelineFiles } from '@etl/core';
import { parse } from 'yaml';

export interface StartablePipeline {
  name: string;
  profiles: string[];
}

export async function startablePipelines(pipelinesDir: string): Promise<StartablePipeline[]> {
  const files = listPipelineFiles({ pipelinesDir });
  return Promise.all(
    files.map(async (file) => ({ name: basename(file, extname(file)), profiles: await profileNames(file) })),
  );
}

async function profileNames(file: string): Promise<string[]> {
  try {
    const doc = parse(await readFile(file, 'utf8')) as { profiles?: Record<string, unknown> } | null;
    return doc?.profiles && typeof doc.profiles === 'object' ? Object.keys(doc.profiles) : [];
  } catch {
    return []; // An invalid file still runs into `etl run`'s own error, which the launch shows.
  }
}

/** Loading a pipeline the way every command does: `.env` and project already loaded, issues turned into a ConfigError. */
import { relative } from 'node:path';
import { ConfigError, preparePipeline, type ProjectConfig, type ResolvedPipeline } from '@etl/core';
import { addSecrets } from './secrets.js';

export interface LoadOptions {
  profile?: string;
  sets?: string[];
  skips?: string[];
  /** Extra folders plugins are resolved from (the CLI's own install). */
  extraSearchPaths: string[];
}

/**
 * Prepares a pipeline for `run`, `check` and `migrate`: every issue (including unset variables) stops here as one
 * ConfigError (exit 3) listing them all.
 */
export async function loadRunnablePipeline(
  nameOrFile: string,
  options: LoadOptions,
): Promise<{ pipeline: ResolvedPipeline; project: ProjectConfig }> {
  const prepared = await preparePipeline(nameOrFile, { cwd: process.cwd(), ...options });
  if (prepared.pipeline) addSecrets(prepared.pipeline.secrets);
  if (prepared.issues.length > 0 || !prepared.pipeline) {
    const file = prepared.pipeline?.file ?? prepared.issues[0]?.file ?? nameOrFile;
    const n = prepared.issues.length;
    throw new ConfigError(
      `${relative(process.cwd(), file) || file} has ${n} problem${n === 1 ? '' : 's'}; nothing was run.`,
      prepared.issues,
      {
        suggestions: [
          ...(prepared.unsetEnv.length > 0
            ? [`Set ${prepared.unsetEnv.join(', ')} in the environment or in .env in this folder.`]
            : []),
          'Fix the lines listed above; `etl validate` checks a pipeline without running it.',
        ],
      },
    );
  }
  return { pipeline: prepared.pipeline, project: prepared.project };
}

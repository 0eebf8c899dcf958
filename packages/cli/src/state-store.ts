/**
 * Where committed state lives: the embedded store in the state folder (the default), or a shared database named by
 * `ETL_STATE_URL` (else the project config's `stateUrl`). The shared store is @etl/state-mysql, an optional peer of
 * the CLI loaded only when a URL names it, as @etl/queue is for Redis.
 */
import {
  ConfigError,
  folderRunHistory,
  mergedRunHistory,
  PluginLoadError,
  type ProjectConfig,
  type RunHistoryStore,
  type SharedStateStore,
} from '@etl/core';

/** The one place that decides: `ETL_STATE_URL`, else `stateUrl` in the project config, else none (embedded). */
export function stateUrlOf(project: Pick<ProjectConfig, 'stateUrl'>, env = process.env): string | undefined {
  return env.ETL_STATE_URL || project.stateUrl || undefined;
}

/** Opens the shared store the URL names, or undefined for the embedded default. */
export async function openStateStore(url: string | undefined): Promise<SharedStateStore | undefined> {
  if (!url) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== 'mysql' && scheme !== 'mariadb')
    throw new ConfigError(
      `ETL_STATE_URL must be a mysql:// or mariadb:// URL (got a ${scheme ?? 'schemeless'} one).`,
      [],
      {
        code: 'STATE_URL_INVALID',
        suggestions: [
          'Set ETL_STATE_URL=mysql://user:password@host:3306/database, or unset it for the embedded store.',
        ],
      },
    );
  const { openMysqlStateStore } = await loadStateMysql();
  return openMysqlStateStore(url);
}

/** The run history `etl runs` lists: the state folder's runs, and every host's when a shared store is set. */
export function runHistoryOf(stateDir: string, shared: SharedStateStore | undefined): RunHistoryStore {
  const local = folderRunHistory(stateDir);
  return shared ? mergedRunHistory(local, shared.runs) : local;
}

async function loadStateMysql(): Promise<typeof import('@etl/state-mysql')> {
  try {
    return await import('@etl/state-mysql');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' || !String((error as Error).message).includes('@etl/state-mysql')) throw error;
    throw new PluginLoadError(
      'State shared through MySQL (ETL_STATE_URL=mysql://…) needs the @etl/state-mysql package.',
      {
        code: 'STATE_STORE_NOT_INSTALLED',
        cause: error,
        suggestions: ['Install it beside the etl CLI: `npm install @etl/state-mysql` (or pnpm add / yarn add).'],
      },
    );
  }
}

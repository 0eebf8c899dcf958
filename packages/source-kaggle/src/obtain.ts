/**
 * Getting the archive a run reads: the cached download while it is proven current, else a fresh one (API or browser),
 * or a local file. Loaded by the source's hooks on first use, so the package's entry (the config schema, all that
 * `etl validate` needs) loads neither axios nor Playwright.
 */
import { access, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FatalError, checkBaseUrl, type StepContext } from '@etl/core';
import type { KaggleConfig } from './config.js';
import { chooseMode, findCredentials, secretsOf, type CredentialSources } from './credentials.js';
import { createHttp, publicVersion, viewDataset } from './http.js';
import { downloadWithApi, type Downloaded } from './api-download.js';
import { downloadWithBrowser } from './browser-download.js';
import { currentArchive, readCache, writeCache, type CacheEntry, type RemoteState } from './cache.js';

export async function localFile(config: KaggleConfig): Promise<string> {
  const path = resolve(config.path!);
  await access(path).catch(() => {
    throw new FatalError(`kaggle: the file ${path} (\`path\`) does not exist or cannot be read.`, {
      code: 'KAGGLE_FILE_NOT_FOUND',
      suggestions: ['Check `path`; relative paths are taken from the working folder.'],
    });
  });
  return path;
}

/** The archive a run reads, and a stable name for its content (`SourcePlugin.inputVersion`). */
export interface Obtained {
  path: string;
  version: string;
}

/** A downloaded archive's identity: the dataset version Kaggle reported plus the bytes we hold. */
const describeDownload = (config: KaggleConfig, entry: CacheEntry): string =>
  `${config.dataset} version ${entry.version ?? '?'}, ${config.file}, archive ${entry.size} bytes md5 ${entry.md5}`;

/** Before any request carries credentials: refused, or allowed with a warning in every run's log. */
function guardTransport(ctx: StepContext, config: KaggleConfig): void {
  const insecure = checkBaseUrl(config.baseUrl, config.allowInsecureHttp, 'kaggle');
  if (insecure) ctx.logger.warn(insecure);
}

/** The credentials found and the mode they allow, with secrets registered and the transport checked. */
export function prepareAccess(ctx: StepContext, config: KaggleConfig, sources: CredentialSources) {
  const credentials = findCredentials(config, sources);
  for (const secret of secretsOf(credentials)) ctx.addSecret(secret);
  const mode = chooseMode(config, credentials);
  if (mode !== 'file') guardTransport(ctx, config);
  return { credentials, mode };
}

/**
 * Gets the archive for this run: the cached one while the dataset has not changed, else a fresh download. In file
 * mode the local file is identified by path, size and modification time (hashing it would cost a full read).
 */
export async function obtainArchive(
  ctx: StepContext,
  config: KaggleConfig,
  sources: CredentialSources,
): Promise<Obtained> {
  const { credentials, mode } = prepareAccess(ctx, config, sources);
  if (mode === 'file') {
    const path = await localFile(config);
    const info = await stat(path);
    return { path, version: `file ${path}, ${info.size} bytes, modified ${info.mtime.toISOString()}` };
  }

  // `--fresh` starts the lineage over but keeps a download proven current (the version Kaggle reports now, and the
  // archive's size and MD5 as they were when it was downloaded); `refresh: true` always downloads.
  const refresh = config.refresh;
  const http = createHttp(ctx, config.baseUrl, mode === 'api' ? credentials.api : undefined);
  const wanted = { dataset: config.dataset, file: config.file };
  let remote: RemoteState;
  if (mode === 'api') {
    const view = await viewDataset(http, config.dataset, config.file, ctx.signal);
    remote = { version: view.version, remoteBytes: view.totalBytes };
  } else {
    remote = { version: await publicVersion(http, config.dataset, ctx.signal) };
  }
  if (!refresh) {
    const cached = await currentArchive(ctx.dirs.cache, wanted, remote);
    if (cached) {
      ctx.count('cacheHits');
      ctx.logger.info(
        `kaggle: ${config.dataset} is unchanged (version ${cached.entry.version ?? '?'}, downloaded ${cached.entry.downloadedAt}); ` +
          'using the cached download. Set `refresh: true` to download it again.',
        { archive: cached.path },
      );
      return { path: cached.path, version: describeDownload(config, cached.entry) };
    }
  }
  const previous = await readCache(ctx.dirs.cache);
  ctx.logger.info(
    `kaggle: downloading ${config.dataset} (${mode} mode${remote.version ? `, version ${remote.version}` : ''})`,
  );
  let downloaded: Downloaded;
  if (mode === 'api') {
    downloaded = await downloadWithApi(ctx, http, config.dataset, config.file, ctx.dirs.cache);
  } else {
    downloaded = await downloadWithBrowser(ctx, {
      baseUrl: config.baseUrl,
      dataset: config.dataset,
      login: credentials.login!,
      browser: config.browser,
      cacheDir: ctx.dirs.cache,
      secrets: secretsOf(credentials),
    });
  }
  ctx.count('downloads');
  ctx.count('downloadBytes', downloaded.size);
  const entry: CacheEntry = {
    ...wanted,
    archive: downloaded.name,
    version: remote.version,
    remoteBytes: remote.remoteBytes,
    size: downloaded.size,
    md5: downloaded.md5,
    mode,
    downloadedAt: new Date().toISOString(),
  };
  await writeCache(ctx.dirs.cache, entry);
  if (previous && previous.archive !== downloaded.name)
    await rm(join(ctx.dirs.cache, previous.archive), { force: true });
  return { path: downloaded.path, version: describeDownload(config, entry) };
}

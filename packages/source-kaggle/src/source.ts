/**
 * The `kaggle` source: gets the archive (API, browser or a local file; cached while the dataset version holds), then
 * streams the wanted CSV as batches of typed records with `{ line, records }` positions.
 */
import { access, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { FatalError, baseUrlProblem, checkBaseUrl, defineSource, type JsonValue, type SourcePlugin, type StepContext } from '@etl/core';
import { configSchema, resolveConfig, type KaggleConfig } from './config.js';
import { chooseMode, defaultSources, findCredentials, secretsOf, type CredentialSources } from './credentials.js';
import { createHttp, publicVersion, viewDataset } from './http.js';
import { downloadWithApi, type Downloaded } from './api-download.js';
import { checkLoginPage, downloadWithBrowser } from './browser-download.js';
import { currentArchive, readCache, writeCache, type CacheEntry, type RemoteState } from './cache.js';
import { openEntry } from './archive.js';
import { readCsvBatches } from './csv-records.js';

export interface KaggleSourceOptions {
  /** Where to look for credentials besides the config (tests pass an empty env and a scratch home). */
  credentials?: CredentialSources;
}

/** Where a resumed run starts: after `line`, with `records` already delivered. */
export interface KagglePosition {
  line: number;
  records: number;
}

export function parsePosition(from: JsonValue | undefined): KagglePosition {
  if (from === undefined || from === null) return { line: 0, records: 0 };
  const value = from as Partial<KagglePosition>;
  if (typeof value === 'object' && Number.isInteger(value.line) && Number.isInteger(value.records)) {
    return { line: value.line!, records: value.records! };
  }
  throw new FatalError(`kaggle: the checkpoint ${JSON.stringify(from)} is not a position this source wrote.`, {
    code: 'KAGGLE_BAD_POSITION',
    suggestions: ['Start over with `etl run --fresh`.'],
  });
}

async function localFile(config: KaggleConfig): Promise<string> {
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
interface Obtained {
  path: string;
  version: string;
}

/** A downloaded archive's identity: the dataset version Kaggle reported plus the bytes we hold. */
const describeDownload = (config: KaggleConfig, entry: CacheEntry): string =>
  `${config.dataset} version ${entry.version ?? '?'}, ${config.file}, archive ${entry.size} bytes md5 ${entry.md5}`;

/**
 * Gets the archive for this run: the cached one while the dataset has not changed, else a fresh download. In file
 * mode the local file is identified by path, size and modification time (hashing it would cost a full read).
 */
/** Before any request carries credentials: refused, or allowed with a warning in every run's log. */
function guardTransport(ctx: StepContext, config: KaggleConfig): void {
  const insecure = checkBaseUrl(config.baseUrl, config.allowInsecureHttp, 'kaggle');
  if (insecure) ctx.logger.warn(insecure);
}

/** The credentials found and the mode they allow, with secrets registered and the transport checked. */
function prepareAccess(ctx: StepContext, config: KaggleConfig, sources: CredentialSources) {
  const credentials = findCredentials(config, sources);
  for (const secret of secretsOf(credentials)) ctx.addSecret(secret);
  const mode = chooseMode(config, credentials);
  if (mode !== 'file') guardTransport(ctx, config);
  return { credentials, mode };
}

async function obtainArchive(ctx: StepContext, config: KaggleConfig, sources: CredentialSources): Promise<Obtained> {
  const { credentials, mode } = prepareAccess(ctx, config, sources);
  if (mode === 'file') {
    const path = await localFile(config);
    const info = await stat(path);
    return { path, version: `file ${path}, ${info.size} bytes, modified ${info.mtime.toISOString()}` };
  }

  // A fresh lineage downloads anew in its first run; its resumes read what that run downloaded.
  const refresh = config.refresh || (ctx.fresh && ctx.lineage === ctx.runId);
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
  ctx.logger.info(`kaggle: downloading ${config.dataset} (${mode} mode${remote.version ? `, version ${remote.version}` : ''})`);
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
  if (previous && previous.archive !== downloaded.name) await rm(join(ctx.dirs.cache, previous.archive), { force: true });
  return { path: downloaded.path, version: describeDownload(config, entry) };
}

/**
 * The plugin factory (the package's default export). `options` are for tests and embedding; the CLI calls it bare.
 *
 * @example
 * ```yaml
 * kaggle:
 *   use: kaggle
 *   config: { dataset: thedevastator/us-baby-names-by-year-of-birth, file: babyNamesUSYOB-full.csv }
 * ```
 */
export function kaggleSource(options: KaggleSourceOptions = {}): SourcePlugin<KaggleConfig> {
  const sources = options.credentials ?? defaultSources();
  const open = new Set<() => void>();
  // What inputVersion() made sure of, for read() in the same run: the archive is checked (and downloaded) only once.
  let ensured: { runId: string; path: string } | undefined;
  return defineSource<KaggleConfig>({
    name: 'kaggle',
    description: 'Kaggle dataset (API token or browser login, cached by version), one CSV streamed as typed records.',
    configSchema,

    checkConfig(config) {
      const insecure = baseUrlProblem(config.baseUrl ?? 'https://www.kaggle.com', config.allowInsecureHttp);
      return insecure ? [{ path: 'baseUrl', message: insecure }] : [];
    },

    async check(ctx, raw) {
      const config = resolveConfig(raw);
      const { credentials, mode } = prepareAccess(ctx, config, sources);
      if (mode === 'file') {
        const path = await localFile(config);
        return { ok: true, message: `reads ${path}`, details: { mode } };
      }
      if (mode === 'api') {
        const view = await viewDataset(createHttp(ctx, config.baseUrl, credentials.api), config.dataset, config.file, ctx.signal);
        const size = view.fileBytes ?? view.totalBytes;
        return {
          ok: true,
          message:
            `${config.dataset} version ${view.version ?? '?'}` +
            `${size !== undefined ? `, ${view.fileBytes !== undefined ? config.file : 'total'} ${size} bytes` : ''}` +
            ` (API credentials from ${credentials.api!.from})`,
          details: { mode, ...view },
        };
      }
      const message = await checkLoginPage(ctx, { baseUrl: config.baseUrl, browser: config.browser });
      return { ok: true, message: `${message} (login from ${credentials.login!.from})`, details: { mode } };
    },

    async inputVersion(ctx, raw) {
      const obtained = await obtainArchive(ctx, resolveConfig(raw), sources);
      ensured = { runId: ctx.runId, path: obtained.path };
      return obtained.version;
    },

    async *read(ctx, raw, from) {
      const config = resolveConfig(raw);
      const start = parsePosition(from);
      const archive = ensured?.runId === ctx.runId ? ensured.path : (await obtainArchive(ctx, config, sources)).path;
      ensured = undefined;
      const entry = await openEntry(archive, config.file, config.maxEntryBytes);
      open.add(entry.close);
      const file = basename(entry.name);
      if (start.line > 0) ctx.logger.info(`kaggle: resuming after ${file}:${start.line} (${start.records} records already delivered)`);
      let records = start.records;
      try {
        const batches = readCsvBatches(entry.stream, {
          file,
          columns: config.columns,
          expectHeader: config.expectHeader,
          // Unset means the pipeline decides (`settings.batchSize`), so one setting sizes every checkpoint.
          batchSize: config.batchSize ?? ctx.batchSize,
          afterLine: start.line,
          signal: ctx.signal,
        });
        for await (const batch of batches) {
          records += batch.records.length;
          const lines = batch.lines;
          ctx.progress({ phase: `reading ${file}`, done: records, unit: 'records' });
          yield {
            records: batch.records,
            rejects: batch.rejects,
            position: { line: batch.lastLine, records },
            locate: (index: number) => `${file}:${lines[index]}`,
          };
        }
      } finally {
        entry.close();
        open.delete(entry.close);
      }
    },

    async close() {
      for (const close of open) close();
      open.clear();
    },
  });
}

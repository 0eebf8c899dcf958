/**
 * The `kaggle` source: gets the archive (API, browser or a local file; cached while the dataset version holds), then
 * streams the wanted CSV as batches of typed records with `{ line, records }` positions.
 */
import { basename } from 'node:path';
import { FatalError, baseUrlProblem, defineSource, type JsonValue, type SourcePlugin } from '@etl/core';
import { configSchema, normalizeConfig, type KaggleConfig } from './config.js';
import { defaultSources, type CredentialSources } from './credentials.js';

// The download (axios, Playwright), unzip and CSV stacks load with the hook that needs them, not with the package.
const obtain = () => import('./obtain.js');

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

    /** `etl validate`: a plain `http://` baseUrl to another host would send credentials in clear. */
    checkConfig(config) {
      const insecure = baseUrlProblem(config.baseUrl, config.allowInsecureHttp);
      return insecure ? [{ path: 'baseUrl', message: insecure }] : [];
    },

    async check(ctx, raw) {
      const config = normalizeConfig(raw);
      const { credentials, mode } = (await obtain()).prepareAccess(ctx, config, sources);
      if (mode === 'file') {
        const path = await (await obtain()).localFile(config);
        return { ok: true, message: `reads ${path}`, details: { mode } };
      }
      if (mode === 'api') {
        const { createHttp, viewDataset } = await import('./http.js');
        const view = await viewDataset(
          createHttp(ctx, config.baseUrl, credentials.api),
          config.dataset,
          config.file,
          ctx.signal,
        );
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
      const { checkLoginPage } = await import('./browser-download.js');
      const message = await checkLoginPage(ctx, { baseUrl: config.baseUrl, browser: config.browser });
      return { ok: true, message: `${message} (login from ${credentials.login!.from})`, details: { mode } };
    },

    async inputVersion(ctx, raw) {
      const obtained = await (await obtain()).obtainArchive(ctx, normalizeConfig(raw), sources);
      ensured = { runId: ctx.runId, path: obtained.path };
      return obtained.version;
    },

    async *read(ctx, raw, from) {
      const config = normalizeConfig(raw);
      const start = parsePosition(from);
      const archive =
        ensured?.runId === ctx.runId ? ensured.path : (await (await obtain()).obtainArchive(ctx, config, sources)).path;
      ensured = undefined;
      const [{ openEntry }, { readCsvBatches }] = await Promise.all([
        import('./archive.js'),
        import('./csv-records.js'),
      ]);
      const entry = await openEntry(archive, config.file, config.maxEntryBytes);
      open.add(entry.close);
      const file = basename(entry.name);
      if (start.line > 0)
        ctx.logger.info(`kaggle: resuming after ${file}:${start.line} (${start.records} records already delivered)`);
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

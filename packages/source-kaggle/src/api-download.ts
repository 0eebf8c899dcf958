/**
 * Downloads one dataset file through the API: follow the redirect to storage by hand (so credentials stay on Kaggle's
 * host), stream to a `.part` file, resume a cut transfer with a byte range, and verify the MD5 storage reports.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { FatalError, parseRetryAfter, RetriableError, type HttpResponse, type StepContext } from '@etl/core';
import { md5Of } from './cache.js';
import { displayUrl, errorText, kaggleError, type KaggleHttp } from './http.js';

export interface Downloaded {
  path: string;
  /** The name the file arrived under, e.g. `babyNamesUSYOB-full.csv.zip`. */
  name: string;
  size: number;
  md5: string;
}

const maxRedirects = 5;
/** No byte for this long means the transfer stalled: it is cut and resumed. */
const stallTimeoutMs = 60_000;

/** Parses `X-Goog-Hash: crc32c=…,md5=<base64>` into hex. */
export function md5FromHeader(header: unknown): string | undefined {
  const text = Array.isArray(header) ? header.join(',') : typeof header === 'string' ? header : '';
  const match = /(?:^|[,\s])md5=([A-Za-z0-9+/=]+)/.exec(text);
  return match ? Buffer.from(match[1], 'base64').toString('hex') : undefined;
}

/** The arriving file's name: Content-Disposition, else the last segment of the final URL. Never a path. */
function arrivingName(response: HttpResponse, url: string, fallback: string): string {
  const disposition = String(response.headers['content-disposition'] ?? '');
  const fromHeader = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
  let name = fromHeader;
  if (!name) {
    try {
      name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    } catch {
      name = undefined;
    }
  }
  const safe = basename(name ?? '').replace(/[^\w.-]+/g, '_');
  return safe && safe !== '.' && safe !== '..' ? safe : fallback;
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0;
}

async function discard(response: HttpResponse): Promise<void> {
  (response.data as Readable | undefined)?.destroy?.();
}

/**
 * GETs `url`, following redirects; `Range` goes to every hop, `Authorization` only to Kaggle's own origin (the client
 * sends its headers to that origin alone). Not retried here: `downloadWithApi` retries whole attempts.
 */
async function getFollowing(http: KaggleHttp, start: string, from: number, signal: AbortSignal) {
  let url = start;
  for (let hop = 0; hop <= maxRedirects; hop++) {
    const response = await http.client.request({
      method: 'GET',
      url,
      headers: from > 0 ? { Range: `bytes=${from}-` } : {},
      signal,
      responseType: 'stream',
      timeoutMs: stallTimeoutMs,
      accept: 'any',
      retries: 'runtime',
    });
    const location = response.headers.location;
    if (response.status >= 300 && response.status < 400 && location) {
      await discard(response);
      url = new URL(String(location), url).toString();
      continue;
    }
    return { response, url };
  }
  throw new FatalError(`kaggle: the download of ${displayUrl(start)} redirected more than ${maxRedirects} times.`, {
    code: 'KAGGLE_REDIRECT_LOOP',
    suggestions: ['Check `baseUrl`; run again later.'],
  });
}

/**
 * Writes `body` to `path`. Unlike `pipeline`, a failing body does not destroy the file stream: whatever arrived is
 * flushed to disk first, so the next attempt resumes from it. Only a failure to write is thrown.
 */
function saveBody(body: Readable, path: string, append: boolean, idleMs = stallTimeoutMs): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(path, { flags: append ? 'a' : 'w' });
    let writeError: unknown;
    // A connection that stays open but sends nothing would otherwise hang the run; treat it like a cut.
    let idle = setTimeout(() => body.destroy(new Error('stalled')), idleMs);
    body.on('data', () => {
      clearTimeout(idle);
      idle = setTimeout(() => body.destroy(new Error('stalled')), idleMs);
    });
    body.once('close', () => clearTimeout(idle));
    body.once('error', () => {
      clearTimeout(idle);
      body.unpipe(out);
      out.end();
    });
    out.once('error', (error) => {
      writeError = error;
      body.destroy();
    });
    out.once('close', () => (writeError ? reject(writeError) : resolve()));
    body.pipe(out);
  });
}

/**
 * Downloads `{baseUrl}/api/v1/datasets/download/{dataset}/{file}` into `dir`. Transient failures (5xx, 429, a cut
 * connection) go through `ctx.retry`; each attempt resumes from the bytes already on disk.
 */
export async function downloadWithApi(
  ctx: StepContext,
  http: KaggleHttp,
  dataset: string,
  file: string,
  dir: string,
): Promise<Downloaded> {
  await mkdir(dir, { recursive: true });
  const part = join(dir, 'download.part');
  await rm(part, { force: true });
  const start = `${http.baseUrl}/api/v1/datasets/download/${dataset}/${encodeURIComponent(file)}`;
  let total: number | undefined;
  let expectedMd5: string | undefined;
  let name = `${file}.download`;

  await ctx.retry.run(
    async (attempt) => {
      const have = await sizeOf(part);
      if (attempt > 1 && have > 0) ctx.logger.info(`kaggle: resuming the download at byte ${have}`, { total });
      const { response, url } = await getFollowing(http, start, have, ctx.signal);
      const status = response.status;
      if (status === 416 && have > 0 && total === have) return discard(response);
      if (status !== 200 && status !== 206) {
        if (status === 416) await rm(part, { force: true });
        const target = new URL(url);
        const failure = {
          service: 'Kaggle',
          origin: target.origin,
          operation: `GET ${target.pathname}`,
          status,
          headers: response.headers,
          retryAfterMs: parseRetryAfter(response.headers),
        };
        throw kaggleError(failure, http.auth, await errorText(response.data).catch(() => ''));
      }
      name = arrivingName(response, url, name);
      expectedMd5 = md5FromHeader(response.headers['x-goog-hash']) ?? expectedMd5;
      const length = Number(response.headers['content-length']);
      let append = false;
      if (status === 206) {
        const range = /bytes (\d+)-\d+\/(\d+|\*)/.exec(String(response.headers['content-range'] ?? ''));
        if (!range || Number(range[1]) !== have) {
          await discard(response);
          await rm(part, { force: true });
          throw new RetriableError(
            `kaggle: storage answered a different byte range than asked; restarting the download.`,
            {
              code: 'KAGGLE_BAD_RANGE',
            },
          );
        }
        append = true;
        if (range[2] !== '*') total = Number(range[2]);
      } else if (Number.isFinite(length)) {
        total = length;
      }
      let received = append ? have : 0;
      let reported = 0;
      const body = response.data as Readable;
      body.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received - reported >= 1 << 20 || received === total) {
          reported = received;
          ctx.progress({ phase: `downloading ${name}`, done: received, total, unit: 'bytes' });
        }
      });
      await saveBody(body, part, append);
      if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted');
      const onDisk = await sizeOf(part);
      if (total !== undefined && onDisk < total) {
        ctx.count('downloadResumes');
        throw new RetriableError(`kaggle: the download of ${name} was cut at ${onDisk} of ${total} bytes.`, {
          code: 'KAGGLE_DOWNLOAD_CUT',
        });
      }
    },
    { operation: `kaggle download ${dataset}/${file}` },
  );

  const size = await sizeOf(part);
  const md5 = await md5Of(part);
  if (expectedMd5 && md5 !== expectedMd5) {
    await rm(part, { force: true });
    throw new FatalError(`kaggle: the downloaded ${name} is damaged: its MD5 is ${md5}, storage said ${expectedMd5}.`, {
      code: 'KAGGLE_MD5_MISMATCH',
      suggestions: ['Run again to download it anew; if it keeps failing, a proxy may be altering the download.'],
    });
  }
  if (!expectedMd5) ctx.logger.debug('kaggle: storage sent no MD5; checked the size only', { size });
  const path = join(dir, name);
  await rename(part, path);
  return { path, name, size, md5 };
}

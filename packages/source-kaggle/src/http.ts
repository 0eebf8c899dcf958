/**
 * Kaggle's REST API (`/api/v1`) over axios: the client, the dataset view, and the mapping of HTTP failures onto the
 * error tree. Errors are built from status codes and URLs only, never from axios errors, whose `config` carries the
 * Authorization header; URLs lose their query string, which for signed storage URLs is a credential.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { FatalError, RetriableError } from '@etl/core';
import type { ApiAuth } from './credentials.js';

export interface KaggleHttp {
  readonly baseUrl: string;
  readonly client: AxiosInstance;
  /** Headers for requests to Kaggle itself (never sent to the storage host a download redirects to). */
  authHeaders(url: string): Record<string, string>;
  readonly auth?: ApiAuth;
}

/** The largest API answer (JSON) read into memory. */
export const MAX_API_RESPONSE_BYTES = 16 * 1024 * 1024;

export function createHttp(baseUrl: string, auth: ApiAuth | undefined, timeoutMs = 60_000): KaggleHttp {
  const client = axios.create({
    timeout: timeoutMs,
    maxRedirects: 0,
    // API answers are small JSON; a bigger one is refused rather than buffered (downloads are streams, capped by size).
    maxContentLength: MAX_API_RESPONSE_BYTES,
    maxBodyLength: 1024 * 1024,
    validateStatus: () => true,
    headers: { 'User-Agent': 'etl-source-kaggle/0.1', Accept: 'application/json, */*' },
  });
  const origin = new URL(baseUrl).origin;
  const authorization =
    auth?.kind === 'bearer'
      ? `Bearer ${auth.token}`
      : auth?.kind === 'basic'
        ? `Basic ${Buffer.from(`${auth.username}:${auth.key}`).toString('base64')}`
        : undefined;
  return {
    baseUrl,
    client,
    auth,
    authHeaders: (url): Record<string, string> =>
      authorization && new URL(url).origin === origin ? { Authorization: authorization } : {},
  };
}

/** A URL fit for messages: no query string (signatures), no user info. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

const networkRetriable = new Set(['ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE']);

/** Turns a failed request (thrown by axios before any response) into an EtlError without leaking its config. */
export function networkError(error: unknown, url: string, what: string): Error {
  if (axios.isCancel(error)) return error as Error;
  const code = (error as { code?: string } | undefined)?.code ?? 'UNKNOWN';
  if (/maxContentLength/.test((error as Error | undefined)?.message ?? '')) {
    return new FatalError(`kaggle: the answer from ${displayUrl(url)} for ${what} is larger than ${MAX_API_RESPONSE_BYTES} bytes; refused.`, {
      code: 'KAGGLE_RESPONSE_TOO_LARGE',
      suggestions: ['Check `baseUrl` (KAGGLE_BASE_URL): it does not answer like the Kaggle API.'],
    });
  }
  if (networkRetriable.has(code)) {
    return new RetriableError(`kaggle: ${what} failed (${code}) at ${displayUrl(url)}.`, { code: 'KAGGLE_NETWORK' });
  }
  return new FatalError(`kaggle: cannot reach ${displayUrl(url)} for ${what} (${code}).`, {
    code: 'KAGGLE_UNREACHABLE',
    suggestions: ['Check `baseUrl` (KAGGLE_BASE_URL) and the network connection, then run again.'],
  });
}

/** Reads a small error body (JSON `{code,message}` or text) for the message, whatever the response type was. */
async function errorText(response: AxiosResponse): Promise<string> {
  let body: unknown = response.data;
  if (body && typeof (body as NodeJS.ReadableStream).pipe === 'function') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (size < 4096) chunks.push(Buffer.from(chunk));
      size += chunk.length;
    }
    body = Buffer.concat(chunks).toString('utf8').slice(0, 4096);
  }
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return (body as string).replace(/\s+/g, ' ').trim().slice(0, 200);
    }
  }
  const message = (body as { message?: unknown; error?: { message?: unknown } } | null)?.message ??
    (body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof message === 'string' ? message.slice(0, 200) : '';
}

function retryAfterMs(response: AxiosResponse): number | undefined {
  const header = response.headers['retry-after'];
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(String(header));
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Maps an unsuccessful response onto the error tree: 429 and 5xx retriable, other statuses fatal with advice. */
export async function httpError(response: AxiosResponse, url: string, what: string, auth?: ApiAuth): Promise<Error> {
  const status = response.status;
  const detail = await errorText(response).catch(() => '');
  const said = detail ? ` Kaggle said: "${detail}".` : '';
  const where = displayUrl(url);
  if (status === 429 || status >= 500) {
    return new RetriableError(`kaggle: ${what} got HTTP ${status} from ${where}.${said}`, {
      code: status === 429 ? 'KAGGLE_RATE_LIMITED' : 'KAGGLE_SERVER_ERROR',
      retryAfterMs: retryAfterMs(response),
    });
  }
  if (status === 401) {
    return new FatalError(`kaggle: Kaggle refused the API credentials (HTTP 401) from ${auth?.from ?? 'nowhere'} for ${what}.${said}`, {
      code: 'KAGGLE_UNAUTHORIZED',
      suggestions: [
        'Create a new token at Kaggle → Settings → API and set KAGGLE_API_TOKEN (or KAGGLE_USERNAME and KAGGLE_KEY).',
        'A legacy key stops working once a newer legacy key is created.',
      ],
    });
  }
  if (status === 403) {
    return new FatalError(`kaggle: access denied (HTTP 403) for ${what} at ${where}.${said}`, {
      code: 'KAGGLE_FORBIDDEN',
      suggestions: ['Open the dataset page while signed in and accept its rules or licence, then run again.'],
    });
  }
  if (status === 404) {
    return new FatalError(`kaggle: not found (HTTP 404) for ${what} at ${where}.${said}`, {
      code: 'KAGGLE_NOT_FOUND',
      suggestions: ['Check `dataset` (owner/slug, as in the dataset URL) and `file` (a name listed on the dataset page).'],
    });
  }
  return new FatalError(`kaggle: unexpected HTTP ${status} for ${what} at ${where}.${said}`, {
    code: 'KAGGLE_HTTP_ERROR',
    suggestions: ['Run again later; if it persists, download the file by hand and use `mode: file`.'],
  });
}

export interface DatasetView {
  title?: string;
  version?: number;
  /** The dataset's total size. */
  totalBytes?: number;
  /** The wanted file's size, when the view lists files. */
  fileBytes?: number;
  lastUpdated?: string;
}

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : undefined;

/** `GET /api/v1/datasets/view/{owner}/{slug}`: version and sizes, used by `check()` and the download cache. */
export async function viewDataset(http: KaggleHttp, dataset: string, file: string, signal?: AbortSignal): Promise<DatasetView> {
  const url = `${http.baseUrl}/api/v1/datasets/view/${dataset}`;
  const response = await http.client
    .get(url, { headers: http.authHeaders(url), signal, responseType: 'json' })
    .catch((error: unknown) => {
      throw networkError(error, url, 'the dataset view');
    });
  if (response.status !== 200) throw await httpError(response, url, `dataset ${dataset}`, http.auth);
  const body = (typeof response.data === 'object' && response.data ? response.data : {}) as Record<string, unknown>;
  const files = Array.isArray(body.files) ? (body.files as Array<Record<string, unknown>>) : [];
  const match = files.find((entry) => entry.name === file || entry.nameNullable === file);
  const versions = Array.isArray(body.versions) ? (body.versions as Array<Record<string, unknown>>) : [];
  return {
    title: typeof body.title === 'string' ? body.title : undefined,
    version: num(body.currentVersionNumber) ?? num(body.currentVersionNumberNullable) ?? num(versions[0]?.versionNumber),
    totalBytes: num(body.totalBytes) ?? num(body.totalBytesNullable),
    fileBytes: match ? (num(match.totalBytes) ?? num(match.totalBytesNullable)) : undefined,
    lastUpdated: typeof body.lastUpdated === 'string' ? body.lastUpdated : undefined,
  };
}

/**
 * The dataset version without API credentials, for the browser mode's cache check: the dataset's Croissant metadata
 * (`/datasets/{owner}/{slug}/croissant/download`) is public. `undefined` when it cannot be read.
 */
export async function publicVersion(http: KaggleHttp, dataset: string, signal?: AbortSignal): Promise<number | undefined> {
  const url = `${http.baseUrl}/datasets/${dataset}/croissant/download`;
  try {
    const response = await http.client.get(url, { signal, responseType: 'json', timeout: 15_000 });
    if (response.status !== 200 || typeof response.data !== 'object' || !response.data) return undefined;
    return num((response.data as Record<string, unknown>).version);
  } catch {
    return undefined;
  }
}

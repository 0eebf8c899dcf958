/**
 * Kaggle's REST API (`/api/v1`) through core's `createHttpClient`: the client, the dataset view, and the mapping of
 * HTTP failures onto the error tree. Credentials go only to Kaggle's own origin (never to the storage host a download
 * redirects to), and errors name URLs by origin and path only: for signed storage URLs the query is a credential.
 * A source's `read()` is not retried by the runtime, so requests are retried here, under `ctx.retry`.
 */
import {
  createHttpClient,
  defaultHttpError,
  FatalError,
  RetriableError,
  type HttpClient,
  type HttpFailure,
  type StepContext,
} from '@etl/core';
import type { ApiAuth } from './credentials.js';

export interface KaggleHttp {
  readonly baseUrl: string;
  readonly client: HttpClient;
  readonly auth?: ApiAuth;
}

/** The largest API answer (JSON) read into memory. */
export const MAX_API_RESPONSE_BYTES = 16 * 1024 * 1024;

export function createHttp(
  ctx: StepContext,
  baseUrl: string,
  auth: ApiAuth | undefined,
  timeoutMs = 60_000,
): KaggleHttp {
  const authorization =
    auth?.kind === 'bearer'
      ? `Bearer ${auth.token}`
      : auth?.kind === 'basic'
        ? `Basic ${Buffer.from(`${auth.username}:${auth.key}`).toString('base64')}`
        : undefined;
  const client = createHttpClient(ctx, {
    service: 'Kaggle',
    codePrefix: 'KAGGLE',
    baseUrl,
    timeoutMs,
    // API answers are small JSON; a bigger one is refused rather than buffered (downloads are streams, capped by size).
    maxContentLength: MAX_API_RESPONSE_BYTES,
    headers: {
      'User-Agent': 'etl-source-kaggle/0.1',
      Accept: 'application/json, */*',
      ...(authorization ? { Authorization: authorization } : {}),
    },
    retries: 'client',
    classify: (failure) => kaggleError(failure, auth),
  });
  return { baseUrl, client, auth };
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

/** Reads a small error body (JSON `{code,message}` or text) of a streamed answer, for the message. */
export async function errorText(body: unknown): Promise<string> {
  if (body && typeof (body as NodeJS.ReadableStream).pipe === 'function') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (size < 4096) chunks.push(Buffer.from(chunk));
      size += chunk.length;
    }
    body = Buffer.concat(chunks).toString('utf8').slice(0, 4096);
    try {
      body = JSON.parse(body as string);
    } catch {
      // text
    }
  }
  if (typeof body === 'string') return body.replace(/\s+/g, ' ').trim().slice(0, 200);
  const message =
    (body as { message?: unknown; error?: { message?: unknown } } | null)?.message ??
    (body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof message === 'string' ? message.slice(0, 200) : '';
}

/**
 * Kaggle's statuses: 429 and 5xx retriable, 401/403/404 fatal with advice, anything else fatal; network failures as
 * core maps them, with Kaggle's codes. `detail` is the answer's message when the caller already read it.
 */
export function kaggleError(failure: HttpFailure, auth?: ApiAuth, detail?: string): Error {
  const { status, operation } = failure;
  const where = `${failure.origin}${operation.slice(operation.indexOf(' ') + 1)}`;
  if (status === undefined) {
    const mapped = defaultHttpError(failure);
    if (mapped.retriable)
      return new RetriableError(`kaggle: ${operation} failed (${failure.code ?? 'UNKNOWN'}) at ${where}.`, {
        code: 'KAGGLE_NETWORK',
      });
    return new FatalError(`kaggle: cannot reach ${where} for ${operation} (${failure.code ?? 'UNKNOWN'}).`, {
      code: 'KAGGLE_UNREACHABLE',
      suggestions: ['Check `baseUrl` (KAGGLE_BASE_URL) and the network connection, then run again.'],
    });
  }
  const text =
    detail ??
    (typeof failure.body === 'object' &&
    failure.body !== null &&
    typeof (failure.body as { pipe?: unknown }).pipe === 'function'
      ? ''
      : messageOf(failure.body));
  const said = text ? ` Kaggle said: "${text}".` : '';
  if (status === 429 || status >= 500) {
    return new RetriableError(`kaggle: ${operation} got HTTP ${status} from ${where}.${said}`, {
      code: status === 429 ? 'KAGGLE_RATE_LIMITED' : 'KAGGLE_SERVER_ERROR',
      retryAfterMs: failure.retryAfterMs,
    });
  }
  if (status === 401) {
    return new FatalError(
      `kaggle: Kaggle refused the API credentials (HTTP 401) from ${auth?.from ?? 'nowhere'} for ${operation}.${said}`,
      {
        code: 'KAGGLE_UNAUTHORIZED',
        suggestions: [
          'Create a new token at Kaggle → Settings → API and set KAGGLE_API_TOKEN (or KAGGLE_USERNAME and KAGGLE_KEY).',
          'A legacy key stops working once a newer legacy key is created.',
        ],
      },
    );
  }
  if (status === 403) {
    return new FatalError(`kaggle: access denied (HTTP 403) for ${operation} at ${where}.${said}`, {
      code: 'KAGGLE_FORBIDDEN',
      suggestions: ['Open the dataset page while signed in and accept its rules or licence, then run again.'],
    });
  }
  if (status === 404) {
    return new FatalError(`kaggle: not found (HTTP 404) for ${operation} at ${where}.${said}`, {
      code: 'KAGGLE_NOT_FOUND',
      suggestions: [
        'Check `dataset` (owner/slug, as in the dataset URL) and `file` (a name listed on the dataset page).',
      ],
    });
  }
  return new FatalError(`kaggle: unexpected HTTP ${status} for ${operation} at ${where}.${said}`, {
    code: 'KAGGLE_HTTP_ERROR',
    suggestions: ['Run again later; if it persists, download the file by hand and use `mode: file`.'],
  });
}

function messageOf(body: unknown): string {
  if (typeof body === 'string') return body.replace(/\s+/g, ' ').trim().slice(0, 200);
  const message =
    (body as { message?: unknown; error?: { message?: unknown } } | null)?.message ??
    (body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof message === 'string' ? message.slice(0, 200) : '';
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
  typeof value === 'number' && Number.isFinite(value)
    ? value
    : typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
      ? Number(value)
      : undefined;

/** `GET /api/v1/datasets/view/{owner}/{slug}`: version and sizes, used by `check()` and the download cache. */
export async function viewDataset(
  http: KaggleHttp,
  dataset: string,
  file: string,
  signal?: AbortSignal,
): Promise<DatasetView> {
  const response = await http.client.request({ method: 'GET', url: `/api/v1/datasets/view/${dataset}`, signal });
  const body = (typeof response.data === 'object' && response.data ? response.data : {}) as Record<string, unknown>;
  const files = Array.isArray(body.files) ? (body.files as Array<Record<string, unknown>>) : [];
  const match = files.find((entry) => entry.name === file || entry.nameNullable === file);
  const versions = Array.isArray(body.versions) ? (body.versions as Array<Record<string, unknown>>) : [];
  return {
    title: typeof body.title === 'string' ? body.title : undefined,
    version:
      num(body.currentVersionNumber) ?? num(body.currentVersionNumberNullable) ?? num(versions[0]?.versionNumber),
    totalBytes: num(body.totalBytes) ?? num(body.totalBytesNullable),
    fileBytes: match ? (num(match.totalBytes) ?? num(match.totalBytesNullable)) : undefined,
    lastUpdated: typeof body.lastUpdated === 'string' ? body.lastUpdated : undefined,
  };
}

/**
 * The dataset version without API credentials, for the browser mode's cache check: the dataset's Croissant metadata
 * (`/datasets/{owner}/{slug}/croissant/download`) is public. `undefined` when it cannot be read.
 */
export async function publicVersion(
  http: KaggleHttp,
  dataset: string,
  signal?: AbortSignal,
): Promise<number | undefined> {
  try {
    const response = await http.client.request({
      method: 'GET',
      url: `/datasets/${dataset}/croissant/download`,
      signal,
      timeoutMs: 15_000,
      retries: 'runtime',
      accept: 'any',
    });
    if (response.status !== 200 || typeof response.data !== 'object' || !response.data) return undefined;
    return num((response.data as Record<string, unknown>).version);
  } catch {
    return undefined;
  }
}

/**
 * One HTTP client for plugins (`createHttpClient(ctx, options)`): axios underneath (loaded on first use), every
 * request through the step's limiter with its weight, the run's stop signal, one owner of retries, and errors of
 * the tree that never carry a secret.
 *
 * Who retries (`retries`):
 * - `'runtime'` (the default, for sinks): the client never retries. A transient failure throws `RetriableError`
 *   (with Retry-After as `retryAfterMs`) and the runtime retries the whole `write()` under the step's `retry:`
 *   policy. Records acknowledged before the failure are in the sink's ledger, so the retried write sends only the
 *   rest: one record is sent at most `retry.attempts` times, never attempts × attempts.
 * - `'client'` (for sources, and for the hooks the runtime does not retry: `setup()`, `destination()`, `check()`,
 *   `reconcile()`): each request is retried under `ctx.retry`, the same policy. A request may choose for itself.
 *
 * Stopping: once `ctx.signal` is aborted nothing new is sent (the request fails with a `RetriableError`, code
 * `HTTP_STOPPED`); a request already sent is left to finish so its answer is not lost, unless the request passes its
 * own `signal`.
 */
import type { AxiosInstance } from 'axios';
import { EtlError, FatalError, RetriableError, RetriesExhaustedError } from '../errors.js';
import type { RateLimiter, StepContext } from '../plugins/types.js';
import { httpAnswerListenerOf } from '../services/http-answers.js';
import { redactSecrets } from '../services/redact.js';
import { defaultHttpError, parseRetryAfter, type HttpFailure } from './errors.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** A path under `baseUrl`, or an absolute URL. */
  url: string;
  data?: unknown;
  params?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Counts as this many requests against the limiter (a batch endpoint that costs more). @default 1 */
  weight?: number;
  /** @default 'json' */
  responseType?: 'json' | 'text' | 'stream' | 'arraybuffer';
  /** Aborts the request in flight too (long downloads). */
  signal?: AbortSignal;
  /** Statuses returned instead of thrown, besides 2xx (e.g. 404 for "not there", 302 to follow by hand), or all. */
  accept?: number[] | 'any';
  /** This request's timeout, when it differs from the client's. */
  timeoutMs?: number;
  /** Who retries this request, when it differs from the client's `retries` (a sink's setup() is not retried by the runtime). */
  retries?: 'runtime' | 'client';
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, unknown>;
  data: T;
}

export interface HttpClientOptions {
  /** Names the remote in messages, e.g. `HubSpot`. */
  service: string;
  /** Prefix of the error codes of the default mapping, e.g. `ACME` for `ACME_NETWORK`. @default HTTP */
  codePrefix?: string;
  baseUrl: string;
  /** Sent with every request to `baseUrl`'s origin (never to another origin). Authorization values are secrets. */
  headers?: Record<string, string>;
  /** @default 30000 */
  timeoutMs?: number;
  /** Values that must never appear in an error (tokens); also registered with `ctx.addSecret`. */
  secrets?: string[];
  /** @default ctx.limiter(): the step's shared limiter, else its plugin's default; none means unpaced */
  limiter?: RateLimiter;
  /** Who retries transient failures; see the module comment. @default 'runtime' */
  retries?: 'runtime' | 'client';
  /** Refines the default mapping of a failure; return undefined to keep the default. */
  classify?(failure: HttpFailure): Error | undefined;
  /** Sees every answer (any status) before it is mapped: rate-limit headers for the limiter, counters. */
  observe?(answer: { status: number; headers: Record<string, unknown>; body: unknown }): void;
  /** Runs inside the limiter right before each send (e.g. a daily budget); throw to refuse the request. */
  beforeSend?(request: HttpRequest): void;
  /** Largest response body accepted. @default 50 MB */
  maxContentLength?: number;
}

export interface HttpClient {
  request<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>>;
  readonly limiter: RateLimiter | undefined;
}

let axiosModule: Promise<typeof import('axios')> | undefined;

/** The step's HTTP client; see the module comment. Counts `requests`, `retries`, `http429`, `http5xx`, `networkErrors`. */
export function createHttpClient(ctx: StepContext, options: HttpClientOptions): HttpClient {
  const origin = new URL(options.baseUrl).origin;
  const limiter = options.limiter ?? ctx.limiter();
  const secrets = [
    ...(options.secrets ?? []),
    ...Object.entries(options.headers ?? {})
      .filter(([name]) => /^(authorization|x-api-key)$/i.test(name))
      .flatMap(([, v]) => [v, v.replace(/^\w+\s+/, '')]),
  ];
  for (const secret of secrets) ctx.addSecret(secret);
  const heard = httpAnswerListenerOf(ctx);
  let instance: AxiosInstance | undefined;

  const http = async (): Promise<AxiosInstance> => {
    if (instance) return instance;
    const { default: axios } = await (axiosModule ??= import('axios'));
    instance ??= axios.create({
      timeout: options.timeoutMs ?? 30_000,
      // A proxy from the environment would see the credentials; redirects could carry them elsewhere.
      proxy: false,
      maxRedirects: 0,
      maxContentLength: options.maxContentLength ?? 50 * 1024 * 1024,
      validateStatus: () => true,
    });
    return instance;
  };

  const fail = (error: Error): Error => {
    error.message = redactSecrets(error.message, secrets);
    return error;
  };

  const once = async <T>(request: HttpRequest): Promise<HttpResponse<T>> => {
    // A path joins the base URL's own path (`https://host/api` + `/v1/x`); an absolute URL is used as it is.
    const url = /^https?:\/\//.test(request.url)
      ? new URL(request.url)
      : new URL(`${options.baseUrl.replace(/\/+$/, '')}/${request.url.replace(/^\/+/, '')}`);
    const operation = `${request.method} ${url.pathname}`;
    const failure = (more: Partial<HttpFailure>): HttpFailure => ({
      operation,
      service: options.service,
      origin,
      codePrefix: options.codePrefix,
      ...more,
    });
    const send = async (): Promise<HttpResponse<T>> => {
      if (ctx.signal.aborted)
        throw new RetriableError(`${operation} not sent: the run is stopping. Run the same command again to resume.`, {
          code: 'HTTP_STOPPED',
        });
      options.beforeSend?.(request);
      ctx.count('requests');
      const sentAt = performance.now();
      const answered = (status?: number): void => heard?.({ status, seconds: (performance.now() - sentAt) / 1000 });
      let answer;
      try {
        answer = await (await http()).request({
          method: request.method,
          url: url.href,
          data: request.data,
          params: request.params,
          headers: {
            Accept: 'application/json',
            ...(url.origin === origin ? options.headers : {}),
            ...request.headers,
          },
          responseType: request.responseType ?? 'json',
          signal: request.signal,
          ...(request.timeoutMs === undefined ? {} : { timeout: request.timeoutMs }),
        });
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'ERR_CANCELED' || request.signal?.aborted)
          throw new RetriableError(`${operation} cancelled: the run is stopping.`, { code: 'HTTP_STOPPED' });
        // axios stops reading past maxContentLength: an answer that big is not the service we expect, waiting will not help.
        if (/maxContentLength/.test((error as Error).message ?? '')) throw tooLarge(options, operation, origin);
        answered(undefined);
        ctx.count('networkErrors');
        throw fail(options.classify?.(failure({ code })) ?? defaultHttpError(failure({ code })));
      }
      answered(answer.status);
      const headers = { ...(answer.headers as Record<string, unknown>) };
      const body = parseBody(answer.data);
      options.observe?.({ status: answer.status, headers, body });
      const accepted = request.accept === 'any' || request.accept?.includes(answer.status);
      if ((answer.status >= 200 && answer.status < 300) || accepted)
        return { status: answer.status, headers, data: answer.data as T };
      if (answer.status === 429) ctx.count('http429');
      else if (answer.status >= 500) ctx.count('http5xx');
      const failed = failure({ status: answer.status, headers, body, retryAfterMs: parseRetryAfter(headers) });
      throw fail(options.classify?.(failed) ?? defaultHttpError(failed));
    };
    const paced = (): Promise<HttpResponse<T>> =>
      limiter ? limiter.schedule(send, { weight: request.weight ?? 1 }) : send();
    if ((request.retries ?? options.retries) !== 'client') return paced();
    return ctx.retry.run(paced, { operation: `${options.service} ${operation}` }).catch((error: unknown) => {
      // Keep the remote's own code (`HUBSPOT_UNAVAILABLE`...) on the error that says the retries ran out.
      const last = (error as Error).cause;
      if (!(error instanceof RetriesExhaustedError) || !(last instanceof EtlError)) throw error;
      throw new RetriesExhaustedError(error.message, {
        code: last.code,
        cause: last,
        context: { ...last.context, ...error.context },
        suggestions: [...last.suggestions, ...error.suggestions],
      });
    });
  };

  return { request: once, limiter };
}

/** A body as text or JSON (parsed when it looks like JSON); streams are left alone. */
function parseBody(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

function tooLarge(options: HttpClientOptions, operation: string, origin: string): FatalError {
  const max = options.maxContentLength ?? 50 * 1024 * 1024;
  return new FatalError(
    `${options.service}: the answer from ${origin} to ${operation} is larger than ${max} bytes; refused.`,
    {
      code: `${options.codePrefix ?? 'HTTP'}_RESPONSE_TOO_LARGE`,
      suggestions: ['Check the base URL: what answers there does not answer like the service it should be.'],
    },
  );
}

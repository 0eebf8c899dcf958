/**
 * HTTP to HubSpot: axios with axios-retry for transient failures, every attempt (retries included) going through
 * the rate limiter and the daily budget, and every failure turned into an `EtlError` that never carries the token.
 */
import axios, { AxiosError, type AxiosAdapter, type AxiosInstance, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import axiosRetry, { exponentialDelay } from 'axios-retry';
import { FatalError, RetriableError, type RateLimiter } from '@etl/core';
import { dailyLimitError, type DailyBudget } from './rate.js';

/** HubSpot's error body (every field optional in practice). */
export interface HubspotErrorBody {
  status?: string;
  message?: string;
  category?: string;
  correlationId?: string;
  errorType?: string;
  policyName?: string;
  context?: Record<string, unknown>;
  errors?: Array<{ message?: string; code?: string; context?: Record<string, unknown> }>;
}

/** What the `X-HubSpot-RateLimit-*` headers of the last answer said. */
export interface RateLimitHeaders {
  max?: number;
  remaining?: number;
  intervalMs?: number;
  daily?: number;
  dailyRemaining?: number;
}

export interface HubspotClientOptions {
  baseUrl: string;
  accessToken: string;
  timeoutMs: number;
  /** HTTP-level retries of one request. */
  retries: number;
  limiter: RateLimiter;
  budget: DailyBudget;
  /** Daily budget as configured, for the message when it runs out. */
  daily?: number;
  /** The run's stop signal: once aborted nothing new is sent (requests in flight finish). */
  signal?: AbortSignal;
  /** Counter hook: `requests`, `retries`, `http429`, `http423`, `http5xx`, `networkErrors`. */
  count?(counter: string, by?: number): void;
  /** Overrides the waits between retries (tests use this to keep 5xx storms short). */
  retryDelayMs?(attempt: number, status: number | undefined, suggestedMs: number): number;
}

/**
 * A 4xx HubSpot answered about the request's content (not auth, not rate): the caller may isolate the inputs that
 * caused it. Fatal when it reaches the runtime.
 */
export class HubspotRequestError extends FatalError {
  constructor(
    readonly status: number,
    readonly body: HubspotErrorBody,
    readonly operation: string,
  ) {
    super(`HubSpot answered ${status} to ${operation}: ${body.message ?? 'no message'}${describeIds(body)}`, {
      code: 'HUBSPOT_BAD_REQUEST',
      suggestions: ['Check the property mapping (`properties:`) and the values the records carry.'],
      context: { status, category: body.category, correlationId: body.correlationId },
    });
  }
}

const describeIds = (body: HubspotErrorBody) =>
  body.category || body.correlationId ? ` (${[body.category, body.correlationId && `correlationId ${body.correlationId}`].filter(Boolean).join(', ')})` : '';

const header = (headers: unknown, name: string): number | undefined => {
  const raw = (headers as Record<string, unknown> | undefined)?.[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === null || value === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
};

export function readRateLimitHeaders(headers: unknown): RateLimitHeaders {
  return {
    max: header(headers, 'x-hubspot-ratelimit-max'),
    remaining: header(headers, 'x-hubspot-ratelimit-remaining'),
    intervalMs: header(headers, 'x-hubspot-ratelimit-interval-milliseconds'),
    daily: header(headers, 'x-hubspot-ratelimit-daily'),
    dailyRemaining: header(headers, 'x-hubspot-ratelimit-daily-remaining'),
  };
}

/** The body of an answer, parsed when the adapter left it as text. */
function parseBody(data: unknown): HubspotErrorBody {
  if (typeof data === 'string') {
    try {
      return JSON.parse(data) as HubspotErrorBody;
    } catch {
      return { message: data.slice(0, 300) };
    }
  }
  return (data && typeof data === 'object' ? data : {}) as HubspotErrorBody;
}

const isDaily = (body: HubspotErrorBody) => body.policyName === 'DAILY';
/** Longest wait spent inside one request's retries (477 Retry-After); longer ones go back to the runtime. */
const MAX_INLINE_WAIT_MS = 30_000;
const RETRIABLE_NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'EAI_AGAIN', 'ERR_NETWORK', 'ECONNRESET', 'ESOCKETTIMEDOUT', 'UND_ERR_SOCKET']);

export class HubspotClient {
  readonly http: AxiosInstance;
  /** Rate-limit headers of the most recent answer that had them. */
  lastRateLimit: RateLimitHeaders = {};
  private readonly options: HubspotClientOptions;

  constructor(options: HubspotClientOptions) {
    this.options = options;
    const baseAdapter = axios.getAdapter(axios.defaults.adapter);
    this.http = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      timeout: options.timeoutMs,
      headers: { Authorization: `Bearer ${options.accessToken}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      adapter: this.limitedAdapter(baseAdapter),
      // A proxy from the environment would see the token; HubSpot is called directly.
      proxy: false,
      maxRedirects: 0,
      // Answers are JSON of at most a batch of 100 contacts; anything larger is refused instead of buffered.
      maxContentLength: 32 * 1024 * 1024,
      maxBodyLength: 32 * 1024 * 1024,
    });
    axiosRetry(this.http, {
      retries: options.retries,
      shouldResetTimeout: true,
      retryCondition: (error) => this.isRetriable(error),
      retryDelay: (attempt, error) => this.retryDelay(attempt, error),
      onRetry: () => options.count?.('retries'),
    });
  }

  /** Sends one request; 2xx (207 included) resolves, anything else rejects with an `EtlError`. */
  async request<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<AxiosResponse<T>> {
    try {
      return await this.http.request<T>({ method, url: path, data: body });
    } catch (error) {
      throw this.toEtlError(error, `${method} ${path.split('?')[0]}`);
    }
  }

  /** Runs every attempt through the limiter and the daily budget, and feeds the limiter what HubSpot reports. */
  private limitedAdapter(base: AxiosAdapter): AxiosAdapter {
    return (config: InternalAxiosRequestConfig) =>
      this.options.limiter.schedule(async () => {
        // Stopping means sending nothing new; a request already sent is left to finish, so its answer is not lost.
        if (this.options.signal?.aborted) {
          throw new RetriableError('Not sent: the run is stopping. Run the same command again to resume.', { code: 'HUBSPOT_ABORTED' });
        }
        this.options.budget.take();
        this.options.count?.('requests');
        try {
          const response = await base(config);
          this.observe(response.status, response.headers, undefined);
          return response;
        } catch (error) {
          const response = (error as AxiosError).response;
          if (response) this.observe(response.status, response.headers, parseBody(response.data));
          else this.options.count?.('networkErrors');
          throw error;
        }
      });
  }

  private observe(status: number, headers: unknown, body: HubspotErrorBody | undefined): void {
    const seen = readRateLimitHeaders(headers);
    if (seen.max !== undefined || seen.dailyRemaining !== undefined) this.lastRateLimit = seen;
    this.options.budget.observe(seen.dailyRemaining);
    const hint: { remaining?: number; max?: number; intervalMs?: number; pauseMs?: number } = {
      remaining: seen.remaining,
      max: seen.max,
      intervalMs: seen.intervalMs,
    };
    if (status === 429) {
      this.options.count?.('http429');
      // A burst 429 means the rolling window is full: hold every request for a whole window, not just this one.
      if (!body || !isDaily(body)) hint.pauseMs = seen.intervalMs ?? this.options.limiter.limit.intervalMs;
    } else if (status === 423) {
      this.options.count?.('http423');
    } else if (status >= 500) {
      this.options.count?.('http5xx');
    }
    this.options.limiter.observe(hint);
  }

  private isRetriable(error: AxiosError): boolean {
    if (this.options.signal?.aborted) return false;
    const response = error.response;
    if (!response) return RETRIABLE_NETWORK.has(error.code ?? '') || error.message.includes('socket hang up');
    const status = response.status;
    if (status === 429) return !isDaily(parseBody(response.data));
    // A long migration wait is the runtime's (abortable, checkpointed) business, not a sleep inside one request.
    if (status === 477) return (retryAfterMs(response.headers) ?? 60_000) <= MAX_INLINE_WAIT_MS;
    return status === 423 || status >= 500;
  }

  private retryDelay(attempt: number, error: AxiosError): number {
    const status = error.response?.status;
    let suggested: number;
    if (status === 429) suggested = 0; // the limiter is paused for the window; waiting here as well would double it
    else if (status === 423) suggested = Math.max(2000, exponentialDelay(attempt, error, 250));
    else if (status === 477) suggested = retryAfterMs(error.response?.headers) ?? 60_000;
    else suggested = Math.min(10_000, exponentialDelay(attempt, error, 250));
    return this.options.retryDelayMs ? this.options.retryDelayMs(attempt, status, suggested) : suggested;
  }

  /** Turns an axios failure into the error the runtime acts on. Never passes the axios error on: it holds the headers. */
  toEtlError(error: unknown, operation: string): Error {
    if (!(error instanceof AxiosError)) return error as Error;
    const response = error.response;
    if (!response) return networkError(error, operation, this.options.baseUrl);
    const body = parseBody(response.data);
    const status = response.status;
    const detail = `${body.message ?? 'no message'}${describeIds(body)}`;
    const context = { status, category: body.category, correlationId: body.correlationId, operation };
    if (status === 401) {
      return new FatalError(`HubSpot refused the access token (401) on ${operation}: ${detail}`, {
        code: 'HUBSPOT_UNAUTHORIZED',
        context,
        suggestions: [
          'The private-app token in `accessToken` (HUBSPOT_ACCESS_TOKEN) is wrong, revoked or belongs to another account.',
          'Copy the token again from HubSpot → Settings → Integrations → Private apps and set HUBSPOT_ACCESS_TOKEN.',
        ],
      });
    }
    if (status === 403) {
      const scopes = requiredScopes(body) ?? scopeFor(operation);
      return new FatalError(`HubSpot refused ${operation} (403): the access token lacks the scope ${scopes}. ${detail}`, {
        code: 'HUBSPOT_MISSING_SCOPES',
        context,
        suggestions: [`Add ${scopes} to the private app behind HUBSPOT_ACCESS_TOKEN (Settings → Integrations → Private apps → Scopes).`],
      });
    }
    if (status === 429 && isDaily(body)) return dailyLimitError(this.options.daily, `HubSpot daily API limit reached on ${operation}: ${detail}`);
    if (status === 429) {
      const waitMs = readRateLimitHeaders(response.headers).intervalMs ?? this.options.limiter.limit.intervalMs;
      return new RetriableError(`HubSpot rate limit (${body.policyName ?? '429'}) on ${operation} outlasted ${this.options.retries} retries: ${detail}`, {
        code: 'HUBSPOT_RATE_LIMITED',
        retryAfterMs: waitMs,
        context,
        suggestions: ['Lower the rate (`tier`, `rate:` or the shared limiter) to what the account allows, or make sure no other process uses the same app.'],
      });
    }
    if (status === 423) {
      return new RetriableError(`HubSpot locked the records of ${operation} (423): ${detail}`, {
        code: 'HUBSPOT_LOCKED',
        retryAfterMs: 2000,
        context,
        suggestions: ['Locks last about 2 s; the run retries. If it keeps happening, lower `concurrency`.'],
      });
    }
    if (status === 477) {
      return new RetriableError(`HubSpot is migrating the account (477) on ${operation}: ${detail}`, {
        code: 'HUBSPOT_MIGRATION',
        retryAfterMs: retryAfterMs(response.headers) ?? 60_000,
        context,
        suggestions: ['Wait for the time HubSpot gives in Retry-After, then run again to resume.'],
      });
    }
    if (status >= 500) {
      return new RetriableError(`HubSpot failed on ${operation} (${status}) after ${this.options.retries} retries: ${detail}`, {
        code: 'HUBSPOT_UNAVAILABLE',
        context,
        suggestions: ['HubSpot is having trouble; run the same command again later to resume.'],
      });
    }
    return new HubspotRequestError(status, body, operation);
  }
}

function retryAfterMs(headers: unknown): number | undefined {
  const raw = (headers as Record<string, unknown> | undefined)?.['retry-after'];
  if (raw === undefined || raw === null) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(String(raw));
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

function requiredScopes(body: HubspotErrorBody): string | undefined {
  for (const item of body.errors ?? []) {
    const scopes = item.context?.requiredGranularScopes ?? item.context?.requiredScopes;
    if (Array.isArray(scopes) && scopes.length > 0) return scopes.join(', ');
  }
  return undefined;
}

/** The scope an operation needs, when HubSpot does not say. */
function scopeFor(operation: string): string {
  if (operation.includes('/properties/')) return operation.startsWith('GET') ? 'crm.schemas.contacts.read' : 'crm.schemas.contacts.write';
  return operation.startsWith('GET') || operation.includes('/batch/read') ? 'crm.objects.contacts.read' : 'crm.objects.contacts.write';
}

/** Certificate problems: waiting cannot fix them, and checks are never turned off to get past them. */
const TLS_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function networkError(error: AxiosError, operation: string, baseUrl: string): Error {
  const code = error.code ?? 'UNKNOWN';
  if (TLS_ERRORS.has(code)) {
    return new FatalError(`HubSpot at ${baseUrl} presented a certificate that cannot be trusted (${code}) for ${operation}.`, {
      code: 'HUBSPOT_TLS',
      suggestions: [
        'Check `baseUrl` (HUBSPOT_BASE_URL): the real API is https://api.hubapi.com.',
        'Behind a TLS-intercepting proxy, give Node its CA with NODE_EXTRA_CA_CERTS; certificate checks stay on.',
      ],
    });
  }
  if (code === 'ENOTFOUND' || code === 'ERR_INVALID_URL') {
    return new FatalError(`Cannot reach HubSpot at ${baseUrl} for ${operation}: the host does not resolve (${code}).`, {
      code: 'HUBSPOT_UNREACHABLE',
      suggestions: ['Check `baseUrl` (HUBSPOT_BASE_URL); the real API is https://api.hubapi.com.'],
    });
  }
  return new RetriableError(`Network error talking to HubSpot at ${baseUrl} (${operation}): ${code}.`, {
    code: 'HUBSPOT_NETWORK',
    suggestions: ['Check the connection and `baseUrl` (HUBSPOT_BASE_URL); run again to resume.'],
  });
}

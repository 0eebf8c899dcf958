/**
 * HTTP to HubSpot through core's `createHttpClient`: every request through the step's limiter and the daily budget,
 * no retries of its own (the runtime retries a failed `write()`; what HubSpot acknowledged is in the ledger and is
 * not sent again), and HubSpot's statuses mapped onto the error tree without the token.
 */
import {
  createHttpClient,
  FatalError,
  defaultHttpError,
  HttpRequestError,
  RetriableError,
  type HttpClient,
  type HttpFailure,
  type HttpResponse,
  type RateLimiter,
  type StepContext,
} from '@etl/core';
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
  limiter: RateLimiter;
  budget: DailyBudget;
  /** Daily budget as configured, for the message when it runs out. */
  daily?: number;
}

/**
 * A 4xx HubSpot answered about the request's content (not auth, not rate): the caller may isolate the inputs that
 * caused it. Fatal when it reaches the runtime.
 */
export class HubspotRequestError extends HttpRequestError {
  declare readonly body: HubspotErrorBody;
  constructor(status: number, body: HubspotErrorBody, operation: string) {
    super(
      { service: 'HubSpot', origin: '', operation, status, body },
      {
        code: 'HUBSPOT_BAD_REQUEST',
        suggestions: ['Check the property mapping (`properties:`) and the values the records carry.'],
      },
    );
    this.message = `HubSpot answered ${status} to ${operation}: ${body.message ?? 'no message'}${describeIds(body)}`;
    Object.assign(this.context, { category: body.category, correlationId: body.correlationId });
  }
}

const describeIds = (body: HubspotErrorBody) =>
  body.category || body.correlationId
    ? ` (${[body.category, body.correlationId && `correlationId ${body.correlationId}`].filter(Boolean).join(', ')})`
    : '';

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

const asBody = (data: unknown): HubspotErrorBody =>
  typeof data === 'string'
    ? { message: data.slice(0, 300) }
    : ((data && typeof data === 'object' ? data : {}) as HubspotErrorBody);
const isDaily = (body: HubspotErrorBody) => body.policyName === 'DAILY';

export class HubspotClient {
  /** Rate-limit headers of the most recent answer that had them. */
  lastRateLimit: RateLimitHeaders = {};
  private readonly http: HttpClient;

  constructor(
    ctx: StepContext,
    private readonly options: HubspotClientOptions,
  ) {
    this.http = createHttpClient(ctx, {
      service: 'HubSpot',
      codePrefix: 'HUBSPOT',
      baseUrl: options.baseUrl,
      headers: { Authorization: `Bearer ${options.accessToken}`, 'Content-Type': 'application/json' },
      timeoutMs: options.timeoutMs,
      // Answers are JSON of at most a batch of 100 contacts; anything larger is refused instead of buffered.
      maxContentLength: 32 * 1024 * 1024,
      limiter: options.limiter,
      beforeSend: () => options.budget.take(),
      observe: ({ status, headers, body }) => this.observe(ctx, status, headers, asBody(body)),
      classify: (failure) => this.classify(failure),
    });
  }

  /**
   * Sends one request; 2xx (207 included) resolves, anything else rejects with an `EtlError`. Retries have one owner
   * per call: a write's upserts (`retries: 'runtime'`) are retried by the runtime as the whole write; the requests of
   * hooks the runtime does not retry (setup, destination, check, reconcile) are retried here under `ctx.retry`.
   */
  request<T>(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    body?: unknown,
    retries: 'runtime' | 'client' = 'client',
  ): Promise<HttpResponse<T>> {
    return this.http.request<T>({ method, url: path, data: body, retries });
  }

  /** Feeds the limiter and the daily budget what HubSpot reports. */
  private observe(ctx: StepContext, status: number, headers: unknown, body: HubspotErrorBody): void {
    const seen = readRateLimitHeaders(headers);
    if (seen.max !== undefined || seen.dailyRemaining !== undefined) this.lastRateLimit = seen;
    this.options.budget.observe(seen.dailyRemaining);
    const hint: Parameters<RateLimiter['observe']>[0] = {
      remaining: seen.remaining,
      max: seen.max,
      intervalMs: seen.intervalMs,
      dailyRemaining: this.options.budget.remaining,
    };
    // A burst 429 means the rolling window is full: hold every request for a whole window, not just this one.
    if (status === 429 && !isDaily(body)) hint.pauseMs = seen.intervalMs ?? this.options.limiter.limit.intervalMs;
    if (status === 423) ctx.count('http423');
    this.options.limiter.observe(hint);
  }

  /** HubSpot's statuses; anything not handled here gets core's default mapping. */
  private classify(failure: HttpFailure): Error | undefined {
    const { status, operation } = failure;
    if (status === undefined) {
      const error = defaultHttpError(failure);
      error.suggestions.push('Check `baseUrl` (HUBSPOT_BASE_URL): the real API is https://api.hubapi.com.');
      return error;
    }
    const body = asBody(failure.body);
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
      return new FatalError(
        `HubSpot refused ${operation} (403): the access token lacks the scope ${scopes}. ${detail}`,
        {
          code: 'HUBSPOT_MISSING_SCOPES',
          context,
          suggestions: [
            `Add ${scopes} to the private app behind HUBSPOT_ACCESS_TOKEN (Settings → Integrations → Private apps → Scopes).`,
          ],
        },
      );
    }
    if (status === 429 && isDaily(body))
      return dailyLimitError(this.options.daily, `HubSpot daily API limit reached on ${operation}: ${detail}`);
    const retriable = (code: string, message: string, suggestion: string, retryAfterMs?: number) =>
      new RetriableError(message, { code, context, retryAfterMs, suggestions: [suggestion] });
    // The limiter is paused for a whole window already: the retried write waits there, not here as well.
    if (status === 429)
      return retriable(
        'HUBSPOT_RATE_LIMITED',
        `HubSpot rate limit (${body.policyName ?? '429'}) on ${operation}: ${detail}`,
        'Lower the rate (`tier`, `rate:` or a shared `limiter:`) to what the account allows, or make sure no other process uses the same app.',
      );
    if (status === 423)
      return retriable(
        'HUBSPOT_LOCKED',
        `HubSpot locked the records of ${operation} (423): ${detail}`,
        'Locks last about 2 s; the run retries. If it keeps happening, lower `concurrency`.',
        2000,
      );
    if (status === 477)
      return retriable(
        'HUBSPOT_MIGRATION',
        `HubSpot is migrating the account (477) on ${operation}: ${detail}`,
        'Wait for the time HubSpot gives in Retry-After, then run again to resume.',
        failure.retryAfterMs ?? 60_000,
      );
    if (status >= 500)
      return retriable(
        'HUBSPOT_UNAVAILABLE',
        `HubSpot failed on ${operation} (${status}): ${detail}`,
        'HubSpot is having trouble; run the same command again later to resume.',
      );
    return new HubspotRequestError(status, body, operation);
  }
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
  if (operation.includes('/properties/'))
    return operation.startsWith('GET') ? 'crm.schemas.contacts.read' : 'crm.schemas.contacts.write';
  return operation.startsWith('GET') || operation.includes('/batch/read')
    ? 'crm.objects.contacts.read'
    : 'crm.objects.contacts.write';
}

/**
 * The Pipedrive client: core's `createHttpClient` with Pipedrive's auth, its rate headers fed to the step's limiter
 * and to the token budget, each request's token cost, and the refinements of the default error mapping that Pipedrive
 * needs (a daily-budget 429 stops the run; 401 and 403 say which of token or scope is wrong).
 */
import {
  createHttpClient,
  FatalError,
  type HttpFailure,
  type HttpRequest,
  type HttpResponse,
  type StepContext,
} from '@etl/core';
import type { PipedriveConfig } from './config.js';
import { budgetSpent, TokenBudget, WINDOW_MS } from './limits.js';

/** Pipedrive's answer envelope. */
export interface Envelope<T> {
  success: boolean;
  data: T;
  additional_data?: { next_cursor?: string | null } | null;
}

export interface PipedriveRequest extends Omit<HttpRequest, 'weight'> {
  /** Tokens the request spends of the daily budget. */
  cost: number;
}

export interface PipedriveClient {
  request<T>(request: PipedriveRequest): Promise<HttpResponse<Envelope<T>>>;
  readonly budget: TokenBudget;
  /** Tokens spent by acknowledged requests, and of those by POST/PATCH (writes). */
  readonly spent: { tokens: number; writeTokens: number };
}

const num = (value: unknown): number | undefined => {
  const n = Number(Array.isArray(value) ? value[0] : value);
  return value === undefined || value === null || value === '' || !Number.isFinite(n) ? undefined : n;
};

/** Why Pipedrive refused: 401 is the token itself, 403 a scope the token lacks (the body names which would do). */
function authError(failure: HttpFailure, oauth: boolean): Error | undefined {
  const info = (failure.body as { error_info?: unknown } | undefined)?.error_info;
  if (failure.status === 401)
    return new FatalError(
      `Pipedrive refused the ${oauth ? 'OAuth token' : 'API token'} (401): it is wrong or revoked.`,
      {
        code: 'PIPEDRIVE_UNAUTHORIZED',
        suggestions: [
          oauth
            ? 'Refresh the OAuth access token and set it again.'
            : 'Copy the API token again from Pipedrive (Settings → Personal preferences → API) into PIPEDRIVE_API_TOKEN.',
        ],
      },
    );
  if (failure.status === 403)
    return new FatalError(
      `Pipedrive accepted the token but it may not ${failure.operation} (403): a scope is missing.`,
      {
        code: 'PIPEDRIVE_MISSING_SCOPE',
        context: { operation: failure.operation },
        suggestions: [
          typeof info === 'string' ? info : 'Grant the app contacts:full (and admin or contact-fields:full).',
        ],
      },
    );
  return undefined;
}

export function createPipedriveClient(ctx: StepContext, config: PipedriveConfig): PipedriveClient {
  const token = config.apiToken ?? config.oauthToken ?? '';
  const oauth = !config.apiToken;
  const budget = new TokenBudget();
  const spent = { tokens: 0, writeTokens: 0 };
  const limiter = ctx.limiter();
  const costs = new WeakMap<HttpRequest, number>();
  const http = createHttpClient(ctx, {
    service: 'Pipedrive',
    codePrefix: 'PIPEDRIVE',
    baseUrl: config.baseUrl,
    headers: oauth ? { Authorization: `Bearer ${token}` } : { 'x-api-token': token },
    secrets: [token],
    timeoutMs: config.timeoutMs,
    observe: ({ status, headers, body }) => {
      budget.observe(num(headers['x-daily-requests-left']));
      const max = num(headers['x-ratelimit-limit']);
      const remaining = num(headers['x-ratelimit-remaining']);
      if (max !== undefined && remaining !== undefined) limiter?.observe({ max, remaining, intervalMs: WINDOW_MS });
      // A burst 429 pauses every request of the step until the window frees; the budget's stops them instead.
      if (status === 429 && !isDailyRefusal({ body, retryAfterMs: (num(headers['retry-after']) ?? 0) * 1000 }))
        limiter?.observe({ pauseMs: (num(headers['x-ratelimit-reset']) ?? 2) * 1000 });
    },
    // Inside the limiter, right before the send: a request that would overdraw the budget is not sent.
    beforeSend: (request) => {
      const cost = costs.get(request) ?? 0;
      budget.take(cost);
      spent.tokens += cost;
      ctx.count('tokens', cost);
      if (request.method === 'POST' || request.method === 'PATCH') {
        spent.writeTokens += cost;
        ctx.count('writeTokens', cost);
      }
    },
    classify: (failure) => {
      if (failure.status === 429 && isDailyRefusal(failure)) {
        budget.spent ??= budgetSpent('Pipedrive answered 429 to a request', failure.retryAfterMs);
        return budget.spent;
      }
      return authError(failure, oauth);
    },
  });
  return {
    budget,
    spent,
    request<T>({ cost, ...request }: PipedriveRequest) {
      const sent: HttpRequest = { ...request };
      costs.set(sent, cost);
      return http.request<Envelope<T>>(sent);
    },
  };
}

/** A 429 of the daily budget rather than the burst window: its body says so, or its wait is longer than a window. */
function isDailyRefusal(failure: Pick<HttpFailure, 'body' | 'retryAfterMs'>): boolean {
  const body = failure.body as { error?: unknown; error_info?: unknown } | undefined;
  const text = `${String(body?.error ?? '')} ${String(body?.error_info ?? '')}`;
  return /daily|token budget/i.test(text) || (failure.retryAfterMs ?? 0) > 60_000;
}

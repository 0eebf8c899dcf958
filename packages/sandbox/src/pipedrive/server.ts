import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { adminRoutes } from './admin-routes.js';
import { bump, type PipedriveContext } from './context.js';
import { PipedriveApiError, apiError, errorBody, missingScopeError, unauthorizedError } from './errors.js';
import { fieldRoutes } from './field-routes.js';
import type { AuthKind, PipedriveLimit } from './limits.js';
import { personRoutes } from './persons-routes.js';
import { ROUTE_RULES, type RouteRule } from './route-table.js';
import { searchRoutes } from './search-routes.js';
import { acceptJsonBodies } from '../shared/json-body.js';
import { userRoutes } from './users-routes.js';

interface RequestMeta {
  route: string;
  rule?: RouteRule;
  /** Set once the token is known: the x-ratelimit-* headers describe this token's window. */
  token?: string;
  kind?: AuthKind;
  dropped: boolean;
}

function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Which token a request carries: `x-api-token` (the spec's api_key scheme), the legacy `api_token` query parameter
 * (still accepted by Pipedrive for old clients), or an OAuth bearer token.
 */
function authenticate(
  ctx: PipedriveContext,
  headers: Record<string, unknown>,
  query: Record<string, unknown>,
): { token: string; kind: AuthKind } | undefined {
  const apiToken = headers['x-api-token'] ?? query.api_token;
  if (typeof apiToken === 'string' && same(apiToken, ctx.token)) return { token: apiToken, kind: 'api_token' };
  const bearer = /^Bearer\s+(.+)$/i.exec(String(headers.authorization ?? ''))?.[1]?.trim();
  if (bearer && same(bearer, ctx.oauthToken)) return { token: bearer, kind: 'oauth' };
  return undefined;
}

/**
 * The Fastify app. Every API request passes one gate in this order: injected latency and dropped connections, auth
 * (401), the route's scopes (403), the token's burst window (search has its own), injected 5xx, then the daily token
 * budget, which is charged the route's cost before the route runs, so refused (400, 404) requests cost tokens as they
 * do at Pipedrive; 401, 403 and 429 answers cost nothing. `onChange` runs after every answer so state can be persisted.
 */
export function buildServer(ctx: PipedriveContext, onChange: () => void): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });
  const metas = new WeakMap<IncomingMessage, RequestMeta>();

  acceptJsonBodies(app, (reason) => apiError(400, `Validation failed: the body is not valid JSON (${reason})`));

  const limited = (
    reply: FastifyReply,
    limit: PipedriveLimit,
    retryAfterSec: number,
    body: Record<string, unknown>,
  ) => {
    bump(ctx.stats.rateLimited, limit);
    return reply.code(429).header('Retry-After', String(retryAfterSec)).send(body);
  };

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0];
    if (path.startsWith('/__sandbox/')) return;
    const route = `${request.method} ${request.routeOptions.url ?? path}`;
    const meta: RequestMeta = { route, rule: ROUTE_RULES[route], dropped: false };
    metas.set(request.raw, meta);
    ctx.stats.requests++;
    bump(ctx.stats.byRoute, route);

    const { latencyMs, decision } = ctx.faults.draw(ctx.clock.now());
    if (latencyMs > 0) await sleep(latencyMs);
    if (decision?.kind === 'drop') {
      meta.dropped = true;
      bump(ctx.stats.byStatus, 'dropped');
      reply.hijack();
      request.raw.socket.destroy();
      return;
    }
    const auth = authenticate(ctx, request.headers, request.query as Record<string, unknown>);
    if (!auth) {
      const error = unauthorizedError();
      return reply.code(401).send(error.body);
    }
    meta.token = auth.token;
    meta.kind = auth.kind;
    const rule = meta.rule;
    if (!rule) return; // the not-found handler answers, free of charge
    if (!rule.scopes.some((s) => ctx.scopes.has(s))) return reply.code(403).send(missingScopeError(rule.scopes).body);

    const now = ctx.clock.now();
    const search = rule.search === true;
    if (!ctx.limits.takeSlot(auth.token, auth.kind, search, now)) {
      const window = ctx.limits.windowState(auth.token, auth.kind, search, now);
      return limited(
        reply,
        search ? 'search' : 'burst',
        window.resetSec,
        errorBody(429, 'Request over limit', {
          error_info: `${search ? 'Search' : 'Rate'} limit of ${window.limit} requests per 2 seconds for this token reached; retry in ${window.resetSec} s (x-ratelimit-reset).`,
        }),
      );
    }
    if (decision?.kind === 'error') {
      return reply
        .code(decision.status)
        .send(
          errorBody(
            decision.status,
            `The Pipedrive sandbox injected a ${decision.status} (fault errorRate); retry later.`,
          ),
        );
    }
    if (!ctx.limits.charge(rule.cost, now)) {
      const resetsAt = ctx.limits.budgetResetsAt(now);
      const when = new Date(resetsAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
      return limited(
        reply,
        'daily_budget',
        Math.ceil((resetsAt - now) / 1000),
        errorBody(429, 'Daily token budget exceeded', {
          error_info: `The company has ${ctx.limits.tokensLeft(now)} of its ${ctx.limits.settings.dailyTokens} daily API tokens left and this request costs ${rule.cost}. The budget resets at ${when} (midnight UTC).`,
        }),
      );
    }
  });

  // Pipedrive sends the burst headers on every answer; x-daily-requests-left only to api_token requests. The stand-in
  // reports the token budget's remainder there, the documented daily figure closest to it (the page describes an older
  // count of POST/PUT requests per day, which the token budget replaced).
  app.addHook('onSend', async (request, reply, payload) => {
    const meta = metas.get(request.raw);
    if (meta?.token && meta.kind) {
      const now = ctx.clock.now();
      const window = ctx.limits.windowState(meta.token, meta.kind, meta.rule?.search === true, now);
      reply.header('x-ratelimit-limit', String(window.limit));
      reply.header('x-ratelimit-remaining', String(window.remaining));
      reply.header('x-ratelimit-reset', String(window.resetSec));
      if (meta.kind === 'api_token') reply.header('x-daily-requests-left', String(ctx.limits.tokensLeft(now)));
    }
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const meta = metas.get(request.raw);
    if (!meta || meta.dropped) return;
    bump(ctx.stats.byStatus, String(reply.statusCode));
    bump(ctx.stats.byRouteStatus, `${meta.route} ${reply.statusCode}`);
    onChange();
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof PipedriveApiError) return reply.code(error.statusCode).headers(error.headers).send(error.body);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 400 && status < 500)
      return reply.code(status).send(errorBody(status, `Validation failed: ${(error as Error).message}`));
    return reply
      .code(500)
      .send(
        errorBody(
          500,
          `The Pipedrive sandbox failed on ${request.method} ${request.url.split('?')[0]}: ${(error as Error).message}`,
        ),
      );
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        errorBody(
          404,
          `Unknown method ${request.method} ${request.url.split('?')[0]}: this sandbox serves the v2 persons, person search and person fields APIs and v1 users/me.`,
        ),
      ),
  );

  personRoutes(app, ctx);
  searchRoutes(app, ctx);
  fieldRoutes(app, ctx);
  userRoutes(app, ctx);
  adminRoutes(app, ctx);
  return app;
}

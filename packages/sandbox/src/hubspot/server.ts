import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { accountRoutes } from './account.js';
import { adminRoutes } from './admin-routes.js';
import { batchRoutes } from './batch-routes.js';
import { contactRoutes } from './contacts-routes.js';
import { bump, type HubspotContext } from './context.js';
import { HubspotApiError, errorBody } from './errors.js';
import { faultBody, type SandboxFaults } from './faults.js';
import { propertyRoutes } from './property-routes.js';
import { rateLimitBody, type RatePolicy } from './rate-limits.js';
import { searchRoutes } from './search-routes.js';
import { acceptJsonBodies } from '../shared/json-body.js';

const SEARCH_PATH = '/crm/v3/objects/contacts/search';
const AUTH_FAILURE_MESSAGE =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

interface RequestMeta {
  correlationId: string;
  search: boolean;
  dropped: boolean;
  /** Process the request, then destroy the connection instead of answering. */
  dropAfter?: boolean;
}

/** HubSpot puts correlationId after message and before category; keep that order for readable logs. */
function withCorrelation(body: Record<string, unknown>, correlationId: string): Record<string, unknown> {
  const { status, message, ...rest } = body;
  return { status, message, correlationId, ...rest };
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1].trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The Fastify app: every API request goes through one onRequest gate in HubSpot's order (injected latency and
 * dropped connections, auth, 429 storms, budgets, injected error answers), then its route. `onChange` runs after
 * every API response so state can be persisted.
 */
export function buildServer(
  ctx: HubspotContext,
  setFaults: (faults: SandboxFaults) => void,
  onChange: () => void,
): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 20 * 1024 * 1024 });
  const metas = new WeakMap<IncomingMessage, RequestMeta>();

  acceptJsonBodies(
    app,
    (reason) =>
      new HubspotApiError(
        400,
        errorBody('VALIDATION_ERROR', `Invalid input JSON: ${reason}. Send a JSON object body.`),
      ),
  );

  const send = (reply: FastifyReply, meta: RequestMeta, status: number, body: Record<string, unknown>) =>
    reply.code(status).send(withCorrelation(body, meta.correlationId));

  const limited = (reply: FastifyReply, meta: RequestMeta, policy: RatePolicy) => {
    bump(ctx.stats.rateLimited, policy);
    return send(reply, meta, 429, rateLimitBody(policy, ctx.portalId));
  };

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0];
    if (path.startsWith('/__sandbox/')) return;
    const meta: RequestMeta = {
      correlationId: randomUUID(),
      search: request.method === 'POST' && path === SEARCH_PATH,
      dropped: false,
    };
    metas.set(request.raw, meta);
    reply.header('X-HubSpot-Correlation-Id', meta.correlationId);
    ctx.stats.requests++;
    bump(ctx.stats.byRoute, `${request.method} ${request.routeOptions.url ?? path}`);

    const { latencyMs, decision } = ctx.faults.draw(ctx.now());
    if (latencyMs > 0) await sleep(latencyMs);
    if (decision?.kind === 'drop') {
      meta.dropped = true;
      bump(ctx.stats.byStatus, 'dropped');
      reply.hijack();
      request.raw.socket.destroy();
      return;
    }
    if (decision?.kind === 'dropAfterProcessing') meta.dropAfter = true;
    if (!tokenMatches(request.headers.authorization, ctx.token)) {
      reply.header('X-HubSpot-Auth-Failure', '401 Unauthorized');
      return send(reply, meta, 401, {
        status: 'error',
        message: AUTH_FAILURE_MESSAGE,
        category: 'INVALID_AUTHENTICATION',
      });
    }
    if (decision?.kind === 'storm') return limited(reply, meta, 'TEN_SECONDLY_ROLLING');
    const policy = meta.search ? ctx.limits.takeSearch(ctx.now()) : ctx.limits.takeApi(ctx.now());
    if (policy) return limited(reply, meta, policy);
    if (decision?.kind === 'migration') reply.header('Retry-After', String(decision.retryAfterSec));
    if (decision?.kind === 'error' || decision?.kind === 'locked' || decision?.kind === 'migration') {
      return send(
        reply,
        meta,
        decision.kind === 'locked' ? 423 : decision.kind === 'migration' ? 477 : decision.status,
        faultBody(decision),
      );
    }
  });

  // "Responses from the search API endpoints will not include any of the rate limit headers."
  app.addHook('onSend', async (request, reply, payload) => {
    const meta = metas.get(request.raw);
    if (meta?.dropAfter) {
      meta.dropped = true;
      bump(ctx.stats.byStatus, 'dropped');
      request.raw.socket.destroy();
      onChange();
    }
    if (meta && !meta.search) reply.headers(ctx.limits.headers(ctx.now()));
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const meta = metas.get(request.raw);
    if (!meta || meta.dropped) return;
    bump(ctx.stats.byStatus, String(reply.statusCode));
    onChange();
  });

  app.setErrorHandler((error, request, reply) => {
    const meta = metas.get(request.raw) ?? { correlationId: randomUUID(), search: false, dropped: false };
    if (error instanceof HubspotApiError) {
      reply.headers(error.headers);
      return send(reply, meta, error.statusCode, error.body);
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return send(
        reply,
        meta,
        status,
        errorBody(
          'VALIDATION_ERROR',
          `Invalid request: ${(error as Error).message}. Send JSON (Content-Type: application/json).`,
        ),
      );
    }
    return send(
      reply,
      meta,
      500,
      errorBody(
        'INTERNAL_ERROR',
        `The HubSpot sandbox failed on ${request.method} ${request.url.split('?')[0]}: ${(error as Error).message}`,
      ),
    );
  });

  app.setNotFoundHandler((request, reply) => {
    const meta = metas.get(request.raw) ?? { correlationId: randomUUID(), search: false, dropped: false };
    return send(
      reply,
      meta,
      404,
      errorBody(
        'OBJECT_NOT_FOUND',
        `No route for ${request.method} ${request.url.split('?')[0]}: this sandbox emulates the CRM v3 contacts, contact search and contact properties APIs and account-info.`,
      ),
    );
  });

  contactRoutes(app, ctx);
  batchRoutes(app, ctx);
  searchRoutes(app, ctx);
  propertyRoutes(app, ctx);
  accountRoutes(app, ctx);
  adminRoutes(app, ctx, setFaults);
  return app;
}

/**
 * Who may use the dashboard. On a loopback address, the local user (and no web page elsewhere: the Host header must
 * name a loopback host, which defeats DNS rebinding). Anywhere else, only requests carrying `ETL_UI_TOKEN`: as a
 * bearer header, or a cookie that opening the dashboard once with `?token=` sets (EventSource cannot send headers).
 */
import { timingSafeEqual } from 'node:crypto';
import { ConfigError, isLoopbackHost } from '@etl/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const TOKEN_COOKIE = 'etl_ui_token';
export const MIN_TOKEN_LENGTH = 16;

/** The token the server will require, or none on loopback without one; throws when bound elsewhere without one. */
export function requiredToken(host: string, token: string | undefined): string | undefined {
  if (token !== undefined && token !== '') {
    if (token.length < MIN_TOKEN_LENGTH)
      throw new ConfigError(
        `ETL_UI_TOKEN is ${token.length} characters long; it needs at least ${MIN_TOKEN_LENGTH}.`,
        [],
        {
          code: 'UI_TOKEN_WEAK',
          suggestions: ['Make one with `openssl rand -hex 24` and set ETL_UI_TOKEN to it.'],
        },
      );
    return token;
  }
  if (isLoopbackHost(host)) return undefined;
  throw new ConfigError(`etl ui would listen on ${host}, beyond this machine, without a token.`, [], {
    code: 'UI_TOKEN_REQUIRED',
    suggestions: [
      'Set ETL_UI_TOKEN (e.g. `export ETL_UI_TOKEN=$(openssl rand -hex 24)`) and open the dashboard with ?token=<it> once.',
      'Or keep the default --host 127.0.0.1 and reach it through an SSH tunnel.',
    ],
  });
}

/** Installs the checks on every request, SSE included. */
export function guardRequests(app: FastifyInstance, options: { token?: string; loopback: boolean }): void {
  const { token, loopback } = options;
  app.addHook('onRequest', async (request, reply) => {
    if (loopback && !isLoopbackHost(hostOf(request)))
      return deny(reply, 403, 'This dashboard answers loopback hosts only.');
    if (!token) return;
    if (matches(bearer(request), token) || matches(request.cookies[TOKEN_COOKIE], token)) return;
    const query = (request.query as Record<string, unknown> | undefined)?.token;
    if (typeof query === 'string' && matches(query, token) && request.method === 'GET') {
      // Once: keep it in an HttpOnly cookie and drop it from the address bar (and from history and referrers).
      reply.setCookie(TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/' });
      return reply.redirect(request.url.split('?')[0] ?? '/');
    }
    return deny(reply, 401, 'A token is required: open the dashboard with ?token=<ETL_UI_TOKEN> once.');
  });
}

function hostOf(request: FastifyRequest): string {
  const host = request.headers.host ?? '';
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
}

function bearer(request: FastifyRequest): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim();
}

function matches(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function deny(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=utf-8').send(message);
}

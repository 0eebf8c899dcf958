import type { FastifyInstance } from 'fastify';

/**
 * Replaces Fastify's JSON parser: an empty body is "no body" (DELETE, bare POSTs) instead of Fastify's error, and a
 * body that is not JSON gets the stand-in's own 400, shaped as its real service shapes it.
 */
export function acceptJsonBodies(app: FastifyInstance, invalid: (reason: string) => Error): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(invalid((error as Error).message), undefined);
    }
  });
}

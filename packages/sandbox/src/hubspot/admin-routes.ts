import type { FastifyInstance } from 'fastify';
import type { HubspotContext } from './context.js';
import type { SandboxFaults } from './faults.js';

/** Unauthenticated `/__sandbox/*` routes for tests and demos; never counted, limited or faulted. */
export function adminRoutes(
  app: FastifyInstance,
  ctx: HubspotContext,
  setFaults: (faults: SandboxFaults) => void,
): void {
  app.get('/__sandbox/contacts', async () => ctx.store.all());
  app.get('/__sandbox/stats', async () => statsOf(ctx));
  app.post('/__sandbox/reset', async (_request, reply) => {
    await ctx.reset();
    return reply.code(204).send();
  });
  app.get('/__sandbox/faults', async () => ctx.faults.current());
  app.post('/__sandbox/faults', async (request, reply) => {
    const body = request.body ?? {};
    if (typeof body !== 'object' || Array.isArray(body)) {
      return reply.code(400).send({
        status: 'error',
        message: 'Send the faults as a JSON object, e.g. {"errorRate":0.1,"seed":7}.',
        category: 'VALIDATION_ERROR',
      });
    }
    try {
      setFaults(body as SandboxFaults);
    } catch (error) {
      return reply.code(400).send({ status: 'error', message: (error as Error).message, category: 'VALIDATION_ERROR' });
    }
    return ctx.faults.current();
  });
}

/** Counters plus how many requests came within 2 s of a 423 (clients must wait at least that long). */
export function statsOf(ctx: HubspotContext) {
  const { requests, byStatus, rateLimited, byRoute } = ctx.stats;
  return {
    portalId: ctx.portalId,
    requests,
    byStatus: { ...byStatus },
    rateLimited: { ...rateLimited },
    byRoute: { ...byRoute },
    peakInWindow: ctx.limits.peakInWindow,
    earlyRetriesAfterLock: ctx.faults.earlyRetriesAfterLock,
  };
}

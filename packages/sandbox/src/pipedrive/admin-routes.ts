import type { FastifyInstance } from 'fastify';
import type { PipedriveFaults, PipedrivePerson, PipedriveStats } from '../types.js';
import type { PipedriveContext } from './context.js';
import { utcDay } from './clock.js';
import type { StoredPerson } from './store.js';

/** Unauthenticated `/__sandbox/*` routes for tests and demos; never counted, limited, charged or faulted. */
export function adminRoutes(app: FastifyInstance, ctx: PipedriveContext): void {
  app.get('/__sandbox/persons', async () => ctx.store.all().map(personOf));
  app.get('/__sandbox/stats', async () => statsOf(ctx));
  app.post('/__sandbox/reset', async (_request, reply) => {
    await ctx.reset();
    return reply.code(204).send();
  });
  app.get('/__sandbox/faults', async () => ctx.faults.current());
  app.post('/__sandbox/faults', async (request, reply) => {
    const body = request.body ?? {};
    try {
      if (typeof body !== 'object' || Array.isArray(body))
        throw new Error('Send the faults as a JSON object, e.g. {"errorRate":0.1,"seed":7}.');
      ctx.faults.set(body as PipedriveFaults, ctx.clock.now());
    } catch (error) {
      return reply.code(400).send({ success: false, error: (error as Error).message });
    }
    return ctx.faults.current();
  });
  /** Moves the clock to the next midnight UTC (the body may add `plusMs`), for demos that want the budget back. */
  app.post('/__sandbox/advance-day', async (request) => {
    ctx.clock.advanceDay(Number((request.body as { plusMs?: number } | undefined)?.plusMs ?? 0));
    return statsOf(ctx);
  });
}

export function personOf(p: StoredPerson): PipedrivePerson {
  return {
    id: p.id,
    name: p.name,
    emails: p.emails.map((e) => ({ ...e })),
    phones: p.phones.map((e) => ({ ...e })),
    customFields: structuredClone(p.custom_fields),
    addTime: p.add_time,
    updateTime: p.update_time,
    isDeleted: p.is_deleted,
  };
}

export function statsOf(ctx: PipedriveContext): PipedriveStats {
  const now = ctx.clock.now();
  const { requests, byRoute, byStatus, byRouteStatus, rateLimited } = ctx.stats;
  return {
    companyId: ctx.company.companyId,
    requests,
    byRoute: { ...byRoute },
    byStatus: { ...byStatus },
    byRouteStatus: { ...byRouteStatus },
    rateLimited: { ...rateLimited },
    day: utcDay(now),
    tokensSpent: ctx.limits.dailyState(now).spent,
    dailyTokens: ctx.limits.settings.dailyTokens,
  };
}

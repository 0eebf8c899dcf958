/**
 * v1 `GET /users/me`: the one v1 route served, because v2 has no way to ask which company a token belongs to. Sinks
 * use `company_id` as the identity of the place they write to, so each stand-in is its own company: a random id
 * chosen the first time a state folder is used and kept with its state (one per server in memory).
 */
import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Company, PipedriveContext } from './context.js';

export function newCompany(): Company {
  return { companyId: randomInt(1_000_000, 99_999_999), userId: randomInt(1_000_000, 99_999_999) };
}

/** The v1 answer's fields (v1 `getCurrentUser`); the stand-in's day is UTC, so the user's time zone is too. */
function currentUser(ctx: PipedriveContext): Record<string, unknown> {
  const { companyId, userId } = ctx.company;
  return {
    id: userId,
    name: 'Sandbox User',
    default_currency: 'USD',
    timezone_name: 'UTC',
    timezone_offset: '+00:00',
    locale: 'en_US',
    email: 'sandbox.user@example.com',
    phone: null,
    created: '2024-01-01 00:00:00',
    modified: '2024-01-01 00:00:00',
    lang: 1,
    active_flag: true,
    is_admin: 1,
    last_login: '2024-01-01 00:00:00',
    role_id: 1,
    has_created_company: true,
    icon_url: null,
    is_you: true,
    is_deleted: false,
    company_id: companyId,
    company_name: `Sandbox company ${companyId}`,
    company_domain: `sandbox-${companyId}`,
    company_country: 'US',
    company_industry: null,
    language: { language_code: 'en', country_code: 'US' },
  };
}

export function userRoutes(app: FastifyInstance, ctx: PipedriveContext): void {
  app.get('/api/v1/users/me', async () => ({ success: true, data: currentUser(ctx) }));
}

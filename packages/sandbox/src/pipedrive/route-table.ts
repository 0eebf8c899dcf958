/**
 * What each served route costs and needs: `x-token-cost` and the OAuth scopes of the official v2 definition
 * (`shared/specs/pipedrive/v2-openapi.yml`; `test/pipedrive-spec.test.ts` checks this table against it), so the
 * server needs no YAML parser or spec file at run time.
 */

export interface RouteRule {
  /** Tokens charged to the company's daily budget. */
  cost: number;
  /** Any one of these scopes lets the token use the route. */
  scopes: readonly string[];
  /** Search has its own, lower burst window. */
  search?: boolean;
}

const READ = ['contacts:read', 'contacts:full'];
const FIELDS_READ = ['contacts:read', 'contacts:full', 'admin', 'contact-fields:full'];
const FIELDS_WRITE = ['contacts:full', 'admin', 'contact-fields:full'];

/** Keyed by `METHOD <fastify route pattern>`. */
export const ROUTE_RULES: Record<string, RouteRule> = {
  'GET /api/v2/persons': { cost: 10, scopes: READ },
  'POST /api/v2/persons': { cost: 5, scopes: ['contacts:full'] },
  'GET /api/v2/persons/:id': { cost: 1, scopes: READ },
  'PATCH /api/v2/persons/:id': { cost: 5, scopes: ['contacts:full'] },
  'DELETE /api/v2/persons/:id': { cost: 3, scopes: ['contacts:full'] },
  'GET /api/v2/persons/search': { cost: 20, scopes: ['contacts:read', 'contacts:full', 'search:read'], search: true },
  'GET /api/v2/personFields': { cost: 10, scopes: FIELDS_READ },
  'POST /api/v2/personFields': { cost: 5, scopes: ['admin', 'contact-fields:full'] },
  'GET /api/v2/personFields/:field_code': { cost: 1, scopes: FIELDS_READ },
  'PATCH /api/v2/personFields/:field_code': { cost: 5, scopes: FIELDS_WRITE },
  'POST /api/v2/personFields/:field_code/options': { cost: 5, scopes: FIELDS_WRITE },
  // v1, not in the v2 definition: `base` is the scope v1 lists for it; the cost is the v1 table's for a single-entity
  // GET as a third-party copy of it gives it (2) — UNVERIFIED.
  'GET /api/v1/users/me': { cost: 2, scopes: ['base'] },
};

/** Every scope some route accepts: what tokens may do unless `scopes` narrows it. */
export const ALL_SCOPES: readonly string[] = [...new Set(Object.values(ROUTE_RULES).flatMap((r) => r.scopes))];

import { describe, expect, it } from 'vitest';
import { ROUTE_RULES } from '../src/pipedrive/index.js';
import { usePipedriveSandbox } from './helpers/pipedrive.js';
import { operation } from './openapi/pipedrive-spec.js';
import { pd } from './openapi/pipedrive-http.js';

const sandbox = usePipedriveSandbox();

describe('the route table', () => {
  const v2 = Object.entries(ROUTE_RULES).filter(([key]) => key.includes('/api/v2/'));
  it.each(v2)('%s costs and needs what the official v2 definition says', (key, rule) => {
    const [method, route] = key.split(' ');
    // Fastify's `:id` is the spec's `{id}`; the spec's paths start after the server's `/api/v2`.
    const path = route.replace('/api/v2', '').replace(/:(\w+)/g, '{$1}');
    const op = operation(path, method);
    expect(rule.cost).toBe(op['x-token-cost']);
    const oauth = op.security?.find((s) => 'oauth2' in s)?.oauth2 ?? [];
    expect([...rule.scopes].sort()).toEqual([...oauth].sort());
    expect(op.security?.some((s) => 'api_key' in s)).toBe(true);
  });

  it('covers every operation a persons sink needs', () => {
    expect(Object.keys(ROUTE_RULES).sort()).toEqual([
      'DELETE /api/v2/persons/:id',
      'GET /api/v1/users/me',
      'GET /api/v2/personFields',
      'GET /api/v2/personFields/:field_code',
      'GET /api/v2/persons',
      'GET /api/v2/persons/:id',
      'GET /api/v2/persons/search',
      'PATCH /api/v2/personFields/:field_code',
      'PATCH /api/v2/persons/:id',
      'POST /api/v2/personFields',
      'POST /api/v2/personFields/:field_code/options',
      'POST /api/v2/persons',
    ]);
  });
});

describe('v1 users/me', () => {
  it("names the company (company_id, the handle's companyId) and the user that owns new persons", async () => {
    const me = await pd(sandbox(), 'GET', '/api/v1/users/me');
    expect(me.status).toBe(200);
    expect(me.body.success).toBe(true);
    expect(me.body.data.company_id).toBe(sandbox().companyId);
    expect(Number.isInteger(me.body.data.id)).toBe(true);
    const created = await pd(sandbox(), 'POST', '/api/v2/persons', { name: 'Owner Check' });
    expect(created.body.data.owner_id).toBe(me.body.data.id);
    expect((await pd(sandbox(), 'GET', '/api/v1/users/me', undefined, 'oauth')).body.data.company_id).toBe(
      sandbox().companyId,
    );
  });

  it('answers unknown routes 404 in the error shape, at no token cost', async () => {
    const before = sandbox().stats().tokensSpent;
    const res = await pd(sandbox(), 'GET', '/api/v2/deals');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, errorCode: 404 });
    expect(sandbox().stats().tokensSpent).toBe(before);
  });
});

describe('the spec check itself', () => {
  it('rejects an answer the spec does not allow, so passing shapes mean something', async () => {
    const { assertResponse } = await import('./openapi/pipedrive-spec.js');
    expect(() =>
      assertResponse({ success: true, data: { id: '1', emails: 'a@example.com' } }, 'GET', '/persons/{id}'),
    ).toThrow(/must be integer[\s\S]*must be array/);
    expect(() =>
      assertResponse({ success: true, data: [], additional_data: { next_cursor: null } }, 'GET', '/persons'),
    ).not.toThrow();
  });
});

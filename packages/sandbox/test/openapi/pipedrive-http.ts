import type { PipedriveSandbox } from '../../src/types.js';
import type { Answer } from './hubspot-http.js';

export type { Answer } from './hubspot-http.js';

/** How a request authenticates: the API token (default), the OAuth bearer, another string as api token, or none. */
export type Auth = 'api' | 'oauth' | { apiToken: string } | { bearer: string } | null;

/** Calls the Pipedrive stand-in over real HTTP; `path` starts at `/api/...`. */
export async function pd(
  sandbox: Pick<PipedriveSandbox, 'baseUrl' | 'token' | 'oauthToken'>,
  method: string,
  path: string,
  body?: unknown,
  auth: Auth = 'api',
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (auth === 'api') headers['x-api-token'] = sandbox.token;
  else if (auth === 'oauth') headers.authorization = `Bearer ${sandbox.oauthToken}`;
  else if (auth && 'apiToken' in auth) headers['x-api-token'] = auth.apiToken;
  else if (auth && 'bearer' in auth) headers.authorization = `Bearer ${auth.bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${sandbox.baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers.entries()),
    body: text === '' ? undefined : JSON.parse(text),
  };
}

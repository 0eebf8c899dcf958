import type { HubspotSandbox } from '../../src/types.js';
import { schemaErrors, type SpecFile } from './spec-schemas.js';

/** One HTTP answer: status, lower-cased headers and parsed JSON body (undefined when empty). */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** Calls the sandbox over real HTTP with its token (or `token: null` for none). */
export async function call(
  sandbox: Pick<HubspotSandbox, 'baseUrl' | 'token'>,
  method: string,
  path: string,
  body?: unknown,
  options: { token?: string | null } = {},
): Promise<Answer> {
  const token = options.token === undefined ? sandbox.token : options.token;
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
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

/** Throws with ajv's findings unless `value` conforms to `#/components/schemas/<name>` of the official spec. */
export function assertSchema(value: unknown, name: string, file: SpecFile = 'contacts-v3.json'): void {
  const errors = schemaErrors(file, name, value);
  if (errors !== '')
    throw new Error(
      `Response does not match ${file}#/components/schemas/${name}:\n${errors}\n${JSON.stringify(value).slice(0, 2000)}`,
    );
}

import type { FastifyInstance } from 'fastify';

/** Where a stand-in listens. Tests pass port 0 so the OS picks a free port. */
export interface ListenOptions {
  /** @default 127.0.0.1 */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
}

/**
 * Starts `app` and returns its base URL (`http://host:port`, no trailing slash), built from the port actually bound
 * so that port 0 works.
 */
export async function listen(app: FastifyInstance, options: ListenOptions = {}): Promise<string> {
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') {
    throw new Error(`The sandbox server on ${host} has no TCP address after listen(); got ${String(address)}.`);
  }
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}

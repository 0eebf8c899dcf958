/** Serves a prom-client registry as Prometheus text on `GET /metrics` (node:http: one route needs no framework). */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FatalError } from '@etl/core';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  /** `http://host:port/metrics`, with the port actually bound (`--metrics-port 0` takes a free one). */
  readonly url: string;
  /** Resolves after the next scrape was answered: the values it carried were collected. */
  nextScrape(): Promise<void>;
  close(): Promise<void>;
}

export async function serveMetrics(registry: Registry, host: string, port: number): Promise<MetricsServer> {
  let scraped: Array<() => void> = [];
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are at /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(text, () => {
          const waiting = scraped;
          scraped = [];
          for (const resolve of waiting) resolve();
        });
      },
      (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(cannotListen(error, host, port)));
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}/metrics`,
    nextScrape: () => new Promise((resolve) => scraped.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Nothing has run yet when the port is taken: say which flag to change rather than report a bug. */
function cannotListen(error: NodeJS.ErrnoException, host: string, port: number): FatalError {
  const why = error.code === 'EADDRINUSE' ? 'the port is in use' : error.message;
  return new FatalError(`Cannot serve metrics on ${host}:${port}: ${why}.`, {
    code: 'METRICS_LISTEN',
    cause: error,
    suggestions: ['Pick another --metrics-port (0 takes a free one), or check --metrics-host.'],
  });
}

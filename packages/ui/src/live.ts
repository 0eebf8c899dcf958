/**
 * Server-sent events: the server reads what a page shows every `intervalMs` and sends it when it changed. Polling the
 * files rather than watching them works the same on a state folder shared over the network by other hosts' workers.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface StreamOptions {
  intervalMs: number;
  redact: (text: string) => string;
}

/** Keeps the connection through proxies that drop idle ones. */
const HEARTBEAT_MS = 15_000;

export function streamChanges(
  request: FastifyRequest,
  reply: FastifyReply,
  read: () => Promise<unknown>,
  options: StreamOptions,
): void {
  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  let last = '';
  let closed = false;
  let lastSent = Date.now();
  const tick = async (): Promise<void> => {
    if (closed) return;
    try {
      const data = options.redact(JSON.stringify(await read()));
      if (data !== last) {
        last = data;
        out.write(`data: ${data}\n\n`);
        lastSent = Date.now();
      } else if (Date.now() - lastSent > HEARTBEAT_MS) {
        out.write(': keep-alive\n\n');
        lastSent = Date.now();
      }
    } catch (error) {
      out.write(`event: problem\ndata: ${JSON.stringify(options.redact(String((error as Error).message)))}\n\n`);
    }
    if (!closed) timer = setTimeout(tick, options.intervalMs);
  };
  let timer = setTimeout(tick, 0);
  request.raw.on('close', () => {
    closed = true;
    clearTimeout(timer);
  });
}

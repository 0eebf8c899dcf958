import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StoredFile } from './dataset.js';

/** How one file answer deviates from a plain GCS object download. */
export interface SendFileOptions {
  /** `Content-Disposition: attachment; filename="…"` (the web download sets it; GCS links do not). */
  attachmentName?: string;
  /** Send the headers for the full answer, then close the connection after this many body bytes. */
  cutAfterBytes?: number;
  /** Report an MD5 that does not match the bytes. */
  corruptMd5?: boolean;
}

/** Parses `bytes=N-` / `bytes=N-M` (one range only, which is all download clients send). */
function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, from, to] = match;
  if (from === '' && to === '') return undefined;
  if (from === '') {
    // Suffix form: the last N bytes.
    const length = Number(to);
    if (length === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(from);
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/**
 * Answers with `file` as GCS would: `Content-Length`, `Content-Type`, `Accept-Ranges`, `Last-Modified`, `X-Goog-Hash`,
 * and 206 + `Content-Range` for a `Range` request. Streams from disk; never buffers the file.
 */
export function sendFile(
  request: FastifyRequest,
  reply: FastifyReply,
  file: StoredFile,
  options: SendFileOptions = {},
) {
  const md5 = options.corruptMd5 ? createHash('md5').update(`corrupt:${file.md5}`).digest('base64') : file.md5;
  reply.header('accept-ranges', 'bytes');
  reply.header('last-modified', file.mtime.toUTCString());
  reply.header('x-goog-hash', `crc32c=${file.crc32c},md5=${md5}`);
  reply.header('content-type', file.contentType);
  if (options.attachmentName) reply.header('content-disposition', `attachment; filename="${options.attachmentName}"`);

  let start = 0;
  let end = file.size - 1;
  const rangeHeader = request.headers.range;
  if (rangeHeader) {
    const range = parseRange(rangeHeader, file.size);
    if (range === 'unsatisfiable') {
      reply.header('content-range', `bytes */${file.size}`).header('content-type', 'application/xml; charset=UTF-8');
      return reply
        .code(416)
        .send(
          `<?xml version='1.0' encoding='UTF-8'?><Error><Code>InvalidRange</Code><Message>The requested range cannot be satisfied.</Message><Details>${rangeHeader}</Details></Error>`,
        );
    }
    if (range) {
      ({ start, end } = range);
      reply.code(206).header('content-range', `bytes ${start}-${end}/${file.size}`);
    }
  }
  const length = file.size === 0 ? 0 : end - start + 1;
  reply.header('content-length', String(length));
  if (length === 0) return reply.send('');
  if (request.method === 'HEAD') {
    // Written raw: fastify would set Content-Length to the empty body's 0, but HEAD must announce the object's length.
    reply.hijack();
    reply.raw.writeHead(reply.statusCode, reply.getHeaders() as Record<string, string>);
    reply.raw.end();
    return reply;
  }

  const cut = options.cutAfterBytes;
  if (cut === undefined || cut >= length) return reply.send(createReadStream(file.path, { start, end }));

  // Headers promise the whole length; the body stops short and the socket closes, like a dropped connection.
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(reply.statusCode, reply.getHeaders() as Record<string, string>);
  const hangUp = () => {
    const socket = raw.socket;
    // end() flushes what was written, then FIN; destroy() afterwards in case the client keeps it half-open.
    socket?.end(() => socket.destroy());
  };
  if (cut <= 0) {
    raw.flushHeaders();
    hangUp();
    return reply;
  }
  const stream = createReadStream(file.path, { start, end: start + cut - 1 });
  stream.pipe(raw, { end: false });
  stream.on('end', hangUp);
  stream.on('error', () => raw.destroy());
  return reply;
}

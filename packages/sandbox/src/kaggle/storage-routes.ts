import type { FastifyInstance, FastifyReply } from 'fastify';
import { storagePrefix, type Catalog } from './catalog.js';
import type { StoredFile } from './dataset.js';
import { sendFile } from './send-file.js';
import type { UrlSigner } from './signing.js';
import type { KaggleState } from './state.js';

/** What the storage route needs from the sandbox. */
export interface StorageContext {
  state: KaggleState;
  catalog: Catalog;
  signer: UrlSigner;
}

function gcsError(reply: FastifyReply, status: number, code: string, message: string) {
  return reply
    .code(status)
    .header('content-type', 'application/xml; charset=UTF-8')
    .send(`<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

/**
 * Registers `/storage/kaggle-data-sets/<id>/<version>/…`, the stand-in for the signed GCS links the download API
 * redirects to: `bundle/archive.zip`, `compressed/<file>.zip` or `<file>`. Checks signature and expiry first.
 */
export async function storageRoutes(app: FastifyInstance, { state, catalog, signer }: StorageContext): Promise<void> {
  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/storage/kaggle-data-sets/*',
    async (request, reply) => {
      state.count('storage');
      // Signatures cover the path exactly as it was signed, so use the raw (still percent-encoded) path.
      const rawPath = request.url.split('?', 1)[0]!;
      const check = signer.check(rawPath, request.query);
      if (!check.ok) {
        state.count('badSignature');
        if (check.reason === 'expired') {
          return gcsError(
            reply,
            400,
            'ExpiredToken',
            'Invalid argument. The signed URL has expired; ask the API for a new link.',
          );
        }
        if (check.reason === 'missing') {
          return gcsError(
            reply,
            403,
            'AccessDenied',
            'Access denied. Anonymous access to this object is not allowed; use a signed URL.',
          );
        }
        return gcsError(
          reply,
          403,
          'SignatureDoesNotMatch',
          'Access denied. The request signature we calculated does not match the signature you provided.',
        );
      }
      let file: StoredFile | undefined;
      const decode = (text: string) => {
        try {
          return decodeURIComponent(text);
        } catch {
          return undefined;
        }
      };
      for (const entry of catalog.values()) {
        const prefix = `${storagePrefix(entry)}/`;
        if (!rawPath.startsWith(prefix) || entry.gated) continue;
        const rest = rawPath.slice(prefix.length);
        if (rest === 'bundle/archive.zip') file = entry.store.archive;
        else if (rest.startsWith('compressed/') && rest.endsWith('.zip')) {
          const name = decode(rest.slice('compressed/'.length, -'.zip'.length));
          if (name !== undefined && entry.store.file(name)) file = await entry.store.compressed(name);
        } else {
          const name = decode(rest);
          file = name === undefined ? undefined : entry.store.file(name);
        }
        break;
      }
      if (!file) return gcsError(reply, 404, 'NoSuchKey', 'The specified key does not exist.');

      const cutAt = state.behaviours.cutDownloadAfterBytes;
      let cutAfterBytes: number | undefined;
      if (cutAt !== undefined && !state.cutPaths.has(rawPath) && request.method === 'GET') {
        const start = /^bytes=(\d+)-/.exec(request.headers.range ?? '')?.[1];
        if (file.size - Number(start ?? 0) > cutAt) {
          state.cutPaths.add(rawPath);
          state.count('cutDownload');
          cutAfterBytes = cutAt;
        }
      }
      if (request.headers.range) state.count('rangeRequest');
      state.count('download');
      return sendFile(request, reply, file, { cutAfterBytes, corruptMd5: state.behaviours.corruptMd5 });
    },
  );
}

import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { COMPRESS_ABOVE_BYTES } from './dataset.js';
import { listJson, storagePrefix, viewJson, type Catalog, type CatalogEntry } from './catalog.js';
import type { UrlSigner } from './signing.js';
import type { KaggleState } from './state.js';

/** What the API routes need from the sandbox. */
export interface ApiContext {
  state: KaggleState;
  catalog: Catalog;
  signer: UrlSigner;
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Accepts Basic `username:key` (legacy kaggle.json) or Bearer with the `KGAT_` token. */
function authorized(header: string | undefined, state: KaggleState): boolean {
  if (!header) return false;
  const [scheme, value = ''] = header.split(' ', 2);
  const { username, key, token } = state.credentials;
  if (scheme?.toLowerCase() === 'bearer') return same(value.trim(), token);
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon > 0 && same(decoded.slice(0, colon), username) && same(decoded.slice(colon + 1), key);
  }
  return false;
}

function error(reply: FastifyReply, code: 401 | 403 | 404, message: string) {
  return reply.code(code).send({ code, message });
}

type DatasetParams = { owner: string; slug: string; '*'?: string };
type VersionQuery = { datasetVersionNumber?: string };

/**
 * Registers the legacy REST API under `/api/v1`: dataset view, file list and downloads (302 to signed storage links).
 * Every route needs credentials; unknown datasets, versions, files and routes answer JSON 404 as Kaggle does.
 */
export async function apiRoutes(api: FastifyInstance, { state, catalog, signer }: ApiContext): Promise<void> {
  api.addHook('onRequest', async (request, reply) => {
    reply.header('x-kaggle-apiversion', '1.5.0');
    if (!authorized(request.headers.authorization, state)) {
      state.count('unauthorized');
      return error(reply, 401, 'Unauthorized');
    }
  });
  api.setNotFoundHandler((_request, reply) => {
    state.count('notFound');
    return error(reply, 404, 'Not Found');
  });

  /** The dataset named by the route, or a 404 already sent. */
  const lookup = (
    request: FastifyRequest<{ Params: DatasetParams; Querystring: VersionQuery }>,
    reply: FastifyReply,
  ) => {
    const entry = catalog.get(`${request.params.owner}/${request.params.slug}`);
    const version = request.query.datasetVersionNumber;
    if (!entry || (version !== undefined && version !== String(entry.currentVersionNumber))) {
      state.count('notFound');
      void error(reply, 404, 'Not Found');
      return undefined;
    }
    return entry;
  };

  const forbidden = (entry: CatalogEntry, reply: FastifyReply) => {
    if (!entry.gated) return false;
    state.count('forbidden');
    void error(reply, 403, 'Forbidden');
    return true;
  };

  // Absolute, as Kaggle's links to storage.googleapis.com are; the sandbox's storage lives on its own host.
  const redirect = (request: FastifyRequest, reply: FastifyReply, path: string) =>
    reply
      .code(302)
      .header('location', `${request.protocol}://${request.host}${signer.sign(path)}`)
      .send('');

  api.get<{ Params: DatasetParams; Querystring: VersionQuery }>(
    '/datasets/view/:owner/:slug',
    async (request, reply) => {
      state.count('apiView');
      const entry = lookup(request, reply);
      return entry ? viewJson(entry) : reply;
    },
  );

  api.get<{ Params: DatasetParams; Querystring: VersionQuery }>(
    '/datasets/list/:owner/:slug',
    async (request, reply) => {
      state.count('apiList');
      const entry = lookup(request, reply);
      return entry ? listJson(entry) : reply;
    },
  );

  api.get<{ Params: DatasetParams; Querystring: VersionQuery }>(
    '/datasets/download/:owner/:slug',
    async (request, reply) => {
      state.count('apiDownload');
      const entry = lookup(request, reply);
      if (!entry || forbidden(entry, reply)) return reply;
      return redirect(request, reply, `${storagePrefix(entry)}/bundle/archive.zip`);
    },
  );

  const fileDownload =
    (raw: boolean) =>
    async (request: FastifyRequest<{ Params: DatasetParams; Querystring: VersionQuery }>, reply: FastifyReply) => {
      state.count('apiDownload');
      const entry = lookup(request, reply);
      if (!entry) return reply;
      const file = entry.store.file(request.params['*'] ?? '');
      if (!file) {
        state.count('notFound');
        return error(reply, 404, 'Not Found');
      }
      if (forbidden(entry, reply)) return reply;
      const name = encodeURIComponent(file.name);
      // Kaggle hands large single files out zipped (`<name>.zip`); small ones and download-raw come as they are.
      if (!raw && file.size > COMPRESS_ABOVE_BYTES)
        return redirect(request, reply, `${storagePrefix(entry)}/compressed/${name}.zip`);
      return redirect(request, reply, `${storagePrefix(entry)}/${name}`);
    };
  api.get('/datasets/download/:owner/:slug/*', fileDownload(false));
  api.get('/datasets/download-raw/:owner/:slug/*', fileDownload(true));
}

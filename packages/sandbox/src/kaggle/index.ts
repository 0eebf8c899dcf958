import fastifyCookie from '@fastify/cookie';
import Fastify from 'fastify';
import { listen } from '../shared/listen.js';
import type { KaggleBehaviours, KaggleSandbox, KaggleSandboxOptions } from '../types.js';
import { apiRoutes } from './api-routes.js';
import { createCatalog, DEFAULT_DATASET_REF, isDatasetRef } from './catalog.js';
import { COMPRESS_ABOVE_BYTES, loadDataset, type DatasetStore } from './dataset.js';
import { createUrlSigner } from './signing.js';
import { DEFAULT_KAGGLE_CREDENTIALS, KaggleState } from './state.js';
import { storageRoutes } from './storage-routes.js';
import { webRoutes } from './web-routes.js';

export { DEFAULT_KAGGLE_CREDENTIALS, SANDBOX_TWO_FACTOR_CODE } from './state.js';
export { DEFAULT_DATASET_REF, GATED_DATASET_REF } from './catalog.js';
export { FULL_CSV_NAME, SAMPLE_CSV_PATH } from './dataset.js';

const BEHAVIOUR_TYPES: Record<keyof KaggleBehaviours, 'boolean' | 'count'> = {
  cookieBanner: 'boolean',
  twoFactor: 'boolean',
  slowPageMs: 'count',
  loginNotFoundTimes: 'count',
  cutDownloadAfterBytes: 'count',
  corruptMd5: 'boolean',
};

/** Checks a `POST /__sandbox/behaviours` body; returns what is wrong, if anything. */
function behavioursProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'Send a JSON object of behaviours.';
  const known = Object.keys(BEHAVIOUR_TYPES).join(', ');
  for (const [key, value] of Object.entries(body)) {
    const type = BEHAVIOUR_TYPES[key as keyof KaggleBehaviours];
    if (!type) return `Unknown behaviour "${key}"; known behaviours: ${known}.`;
    const ok = type === 'boolean' ? typeof value === 'boolean' : Number.isInteger(value) && (value as number) >= 0;
    if (!ok) return `Behaviour "${key}" must be ${type === 'boolean' ? 'true or false' : 'a whole number >= 0'}.`;
  }
  return undefined;
}

/**
 * Starts the local stand-in of Kaggle: the web sign-in and dataset pages (for the browser mode), the `/api/v1` REST
 * API with Basic or Bearer auth, and signed storage links (for the API mode). Serves `options.dataset` (a zip) or the
 * committed sample. Behaviours (cookie banner, two-factor, slow or missing login page, cut or corrupt downloads) can
 * be switched at start, by `setBehaviours` or by `POST /__sandbox/behaviours`.
 */
export async function startKaggleSandbox(options: KaggleSandboxOptions = {}): Promise<KaggleSandbox> {
  const datasetRef = options.datasetRef ?? DEFAULT_DATASET_REF;
  if (!isDatasetRef(datasetRef)) {
    throw new Error(
      `Kaggle sandbox: datasetRef "${datasetRef}" is not of the form owner/slug (e.g. ${DEFAULT_DATASET_REF}).`,
    );
  }
  const credentials = { ...DEFAULT_KAGGLE_CREDENTIALS, ...options.credentials };
  const state = new KaggleState(credentials, options.behaviours);
  let store;
  try {
    store = await loadDataset(options.dataset);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Kaggle sandbox: cannot read the dataset zip ${options.dataset ?? '(sample)'}: ${reason}. Give a readable .zip file.`,
      {
        cause: error,
      },
    );
  }
  const catalog = createCatalog(datasetRef, store);
  // Stores replaced by publishVersion(): closed with the server, since a download may still be reading one.
  const retired: DatasetStore[] = [];
  const context = { state, catalog, signer: createUrlSigner() };

  // No logger: request logs would carry Authorization headers and sign-in bodies. Forced close: a browser's
  // keep-alive connections must not hold `close()` open.
  const app = Fastify({ logger: false, forceCloseConnections: true });
  try {
    await app.register(fastifyCookie);
    app.get('/__sandbox/stats', async () => state.stats());
    app.post<{ Body: KaggleBehaviours }>('/__sandbox/behaviours', async (request, reply) => {
      const problem = behavioursProblem(request.body);
      if (problem) return reply.code(400).send({ code: 400, message: problem });
      state.setBehaviours(request.body);
      return { behaviours: state.behaviours };
    });
    await app.register(webRoutes, context);
    await app.register(storageRoutes, context);
    await app.register(apiRoutes, { ...context, prefix: '/api/v1' });
    const baseUrl = await listen(app, { host: options.host, port: options.port });
    // Zipping a large file takes seconds (about 5 s for the 34 MB CSV on a busy 2-core machine); start it now so the
    // first single-file download does not wait for it. A failure here is retried, and reported, on that request.
    for (const file of store.files) {
      if (file.size > COMPRESS_ABOVE_BYTES) store.compressed(file.name).catch(() => undefined);
    }
    return {
      baseUrl,
      credentials,
      datasetRef,
      setBehaviours: (behaviours) => state.setBehaviours(behaviours),
      stats: () => state.stats(),
      async publishVersion(dataset) {
        const entry = catalog.get(datasetRef)!;
        if (dataset !== undefined) {
          const next = await loadDataset(dataset);
          const previous = entry.store;
          entry.store = next;
          retired.push(previous);
        }
        entry.currentVersionNumber += 1;
        return entry.currentVersionNumber;
      },
      async close() {
        await app.close();
        await Promise.allSettled([store, ...retired, catalog.get(datasetRef)!.store].map((s) => s.close()));
      },
    };
  } catch (error) {
    await app.close().catch(() => undefined);
    await store.close();
    throw error;
  }
}

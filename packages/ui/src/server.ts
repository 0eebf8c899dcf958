/** The dashboard's HTTP server: the page's three files, a JSON API over the run history, and SSE for live updates. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import { folderRunHistory, isLoopbackHost, readRun, type RunHistoryStore } from '@etl/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { guardRequests, requiredToken } from './access.js';
import { isRunId, listRunsFor, localRunDir, runDetail, type RunFilter } from './history.js';
import type { RunLauncher, StartRequest } from './launcher.js';
import { streamChanges } from './live.js';
import { startablePipelines } from './pipelines.js';
import { readRejects, tailLog } from './run-files.js';

export interface UiServerOptions {
  stateDir: string;
  /**
   * Where runs are listed and read (as `etl runs` does): this state folder's runs by default; with a shared store,
   * every host's (the CLI passes the merged history).
   */
  history?: RunHistoryStore;
  pipelinesDir: string;
  launcher: RunLauncher;
  /** 127.0.0.1 by default; anything but loopback needs `token`. */
  host?: string;
  /** 0 (a free port) by default. */
  port?: number;
  /** `ETL_UI_TOKEN`. */
  token?: string;
  /** Masks known secrets in everything the API sends (the run files are redacted already; this catches the rest). */
  redact?: (text: string) => string;
  /** How often live views re-read the history; 500 ms by default. */
  pollMs?: number;
}

export interface UiServer {
  url: string;
  close(): Promise<void>;
}

const publicDir = fileURLToPath(new URL('../public/', import.meta.url));
const ASSETS: Record<string, string> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/app.css': 'app.css',
  '/favicon.svg': 'favicon.svg',
};
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1';
  const token = requiredToken(host, options.token);
  const app = Fastify({ logger: false });
  await app.register(cookie);
  guardRequests(app, { token, loopback: isLoopbackHost(host) });
  registerRoutes(app, options);
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    close: async () => {
      await options.launcher.close();
      await app.close();
    },
  };
}

function registerRoutes(app: FastifyInstance, options: UiServerOptions): void {
  const { stateDir, launcher } = options;
  const history = options.history ?? folderRunHistory(stateDir);
  const redact = options.redact ?? ((text: string) => text);
  const live = { intervalMs: options.pollMs ?? 500, redact };
  const detail = (id: string) => runDetail(history, id, { stateDir, ownsProcess: (pid) => launcher.owns(pid) });
  /** The run's folder on this machine, or the host that has it (its log and rejects are only there). */
  const filesOf = async (id: string) => {
    const run = isRunId(id) ? await history.get(id) : undefined;
    if (!run) return undefined;
    const dir = localRunDir(run, stateDir);
    return dir ? { dir } : { filesOn: run.host ?? 'another host' };
  };

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    return request.url.startsWith('/api/') && typeof payload === 'string' ? redact(payload) : payload;
  });

  for (const [path, file] of Object.entries(ASSETS)) {
    app.get(path, async (_request, reply) =>
      reply.type(TYPES[file.split('.').pop()!]!).send(await readFile(join(publicDir, file))),
    );
  }

  app.get<{ Querystring: RunFilter }>('/api/runs', async (request) => ({
    runs: await listRunsFor(history, request.query),
  }));
  app.get<{ Querystring: RunFilter }>('/api/runs/events', (request, reply) =>
    streamChanges(
      request,
      reply,
      // Starts that failed before their run folder existed (a pipeline that did not load) show only here.
      async () => ({ runs: await listRunsFor(history, request.query), failedStarts: failedStarts(launcher) }),
      live,
    ),
  );
  app.get<{ Params: { id: string } }>('/api/runs/:id', async (request, reply) => {
    const run = await detail(request.params.id);
    return run ?? reply.code(404).send({ message: `No run ${request.params.id}.` });
  });
  app.get<{ Params: { id: string } }>('/api/runs/:id/events', async (request, reply) => {
    if (!isRunId(request.params.id)) return reply.code(404).send({ message: 'No such run.' });
    streamChanges(request, reply, () => detail(request.params.id), live);
  });
  app.get<{ Params: { id: string }; Querystring: { offset?: string; limit?: string; search?: string } }>(
    '/api/runs/:id/rejects',
    async (request, reply) => {
      const files = await filesOf(request.params.id);
      if (!files) return reply.code(404).send({ message: `No run ${request.params.id}.` });
      if (!files.dir) return { total: 0, offset: 0, items: [], filesOn: files.filesOn };
      const { offset, limit, search } = request.query;
      return readRejects(files.dir, { offset: Number(offset) || 0, limit: Number(limit) || 50, search });
    },
  );
  app.get<{ Params: { id: string } }>('/api/runs/:id/log', async (request, reply) => {
    const files = await filesOf(request.params.id);
    if (!files) return reply.code(404).send({ message: `No run ${request.params.id}.` });
    return files.dir ? { lines: await tailLog(files.dir) } : { lines: [], filesOn: files.filesOn };
  });
  registerControlRoutes(app, options, detail);
}

const failedStarts = (launcher: RunLauncher) =>
  launcher.launches().filter((l) => l.exitCode !== undefined && l.exitCode !== 0 && l.exitCode !== 130);

function registerControlRoutes(
  app: FastifyInstance,
  options: UiServerOptions,
  detail: (id: string) => ReturnType<typeof runDetail>,
): void {
  const { launcher } = options;
  app.get('/api/pipelines', async () => ({
    mode: launcher.mode,
    pipelines: await startablePipelines(options.pipelinesDir),
    launches: launcher.launches(),
  }));
  // JSON bodies only: another site's page cannot send one without a CORS preflight, which this server never allows.
  app.addHook('preValidation', async (request, reply) => {
    if (request.method !== 'GET' && !/^application\/json\b/.test(request.headers['content-type'] ?? ''))
      return reply.code(415).send({ message: 'Send JSON (content-type: application/json).' });
  });
  app.post<{ Body: StartRequest }>('/api/runs', async (request, reply) => {
    const { pipeline, profile, sandbox } = request.body ?? ({} as StartRequest);
    const known = (await startablePipelines(options.pipelinesDir)).find((p) => p.name === pipeline);
    if (!known) return reply.code(400).send({ message: `No pipeline ${String(pipeline)} in ${options.pipelinesDir}.` });
    if (profile && !known.profiles.includes(profile))
      return reply.code(400).send({ message: `${pipeline} has no profile ${String(profile)}.` });
    const launch = await launcher.start({ pipeline, profile: profile || undefined, sandbox: sandbox === true });
    return reply.code(202).send(launch);
  });
  app.post<{ Params: { id: string } }>('/api/runs/:id/stop', async (request, reply) => {
    const run = await detail(request.params.id);
    if (!run) return reply.code(404).send({ message: `No run ${request.params.id}.` });
    const pid = run.stoppable ? (await readRun(options.stateDir, run.runId))?.pid : undefined;
    if (pid === undefined || !launcher.stop(pid))
      return reply.code(409).send({
        message: `Run ${run.runId} was not started by this dashboard or has ended: stop it where it runs (Ctrl-C, or stop its worker).`,
      });
    return reply.code(202).send({ stopping: run.runId });
  });
}

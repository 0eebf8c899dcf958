import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Catalog } from './catalog.js';
import { chooserPage, datasetPage, emailSignInPage, errorPage, page, twoFactorPage, type PageFrame } from './pages.js';
import { sendFile } from './send-file.js';
import { COOKIES, SANDBOX_TWO_FACTOR_CODE, type KaggleState } from './state.js';

/** What the web routes need from the sandbox. */
export interface WebContext {
  state: KaggleState;
  catalog: Catalog;
}

const SIGN_IN_RPC = '/api/i/users.LegacyUsersService';

/** Only same-site paths, so `returnUrl` cannot send the browser elsewhere. */
function safeReturnUrl(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')
    ? value
    : '/';
}

/**
 * Registers the web pages Playwright drives: `/`, `/account/login` (chooser, email form, two-factor step), the
 * `EmailSignIn` XHR, the dataset page with its Download menu, and the zip download that needs a session.
 */
export async function webRoutes(app: FastifyInstance, { state, catalog }: WebContext): Promise<void> {
  const frame = (request: FastifyRequest, title: string): PageFrame => ({
    title,
    user: state.user(request.cookies[COOKIES.session]),
    cookieBanner: state.behaviours.cookieBanner === true && request.cookies[COOKIES.consent] !== 'accepted',
  });
  const html = (reply: FastifyReply, body: string, status = 200) =>
    reply.code(status).header('content-type', 'text/html; charset=utf-8').send(body);
  const cookie = { path: '/', sameSite: 'lax' as const };

  app.addHook('onRequest', async (request) => {
    const delay = state.behaviours.slowPageMs;
    if (delay && delay > 0 && request.method === 'GET' && !request.url.startsWith('/__sandbox')) await sleep(delay);
  });

  app.get('/', async (request, reply) =>
    html(reply, page(frame(request, 'Home'), '<h1>Kaggle: Your Machine Learning and Data Science Community</h1>')),
  );

  app.get<{ Querystring: { phase?: string; returnUrl?: string } }>('/account/login', async (request, reply) => {
    state.count('loginPage');
    if (state.loginNotFoundLeft > 0) {
      state.loginNotFoundLeft--;
      state.count('loginNotFound');
      return html(
        reply,
        errorPage(frame(request, 'Not Found'), 'backend NotFound', 'The page could not be loaded. Try again.'),
        404,
      );
    }
    if (!request.cookies[COOKIES.xsrf]) reply.setCookie(COOKIES.xsrf, randomBytes(24).toString('base64url'), cookie);
    const returnUrl = safeReturnUrl(request.query.returnUrl);
    if (request.query.phase === 'emailSignIn')
      return html(reply, emailSignInPage(frame(request, 'Sign in'), returnUrl));
    if (request.query.phase === 'twoFactor') {
      if (!state.pendingTwoFactor.has(request.cookies[COOKIES.twoFactor] ?? '')) {
        return reply.redirect(`/account/login?phase=emailSignIn&returnUrl=${encodeURIComponent(returnUrl)}`);
      }
      return html(reply, twoFactorPage(frame(request, 'Two-factor verification')));
    }
    return html(reply, chooserPage(frame(request, 'Sign in'), returnUrl));
  });

  /** The web client's XSRF check: the header must repeat the cookie set by the login page. */
  const xsrfFails = (request: FastifyRequest, reply: FastifyReply) => {
    const expected = request.cookies[COOKIES.xsrf];
    if (expected && request.headers['x-xsrf-token'] === expected) return false;
    state.count('xsrfRejected');
    void reply.code(403).send({
      code: 403,
      message:
        'XSRF token missing or invalid: load /account/login first and send its XSRF-TOKEN cookie back as the X-XSRF-TOKEN header.',
    });
    return true;
  };

  const signIn = (reply: FastifyReply, username: string, returnUrl: string) => {
    reply.setCookie(COOKIES.session, state.newSession(username), { ...cookie, httpOnly: true });
    state.count('login');
    return reply.send({ redirectUrl: returnUrl });
  };

  app.post<{ Body: { email?: unknown; password?: unknown; returnUrl?: unknown } }>(
    `${SIGN_IN_RPC}/EmailSignIn`,
    async (request, reply) => {
      if (xsrfFails(request, reply)) return reply;
      const { email, password } = request.body ?? {};
      if (typeof email !== 'string' || typeof password !== 'string') {
        return reply.code(400).send({
          code: 400,
          message: 'Send JSON {"email", "password", "returnUrl"}: email and password must be strings.',
        });
      }
      const { credentials } = state;
      const known = email === credentials.email || email === credentials.username;
      if (!known || password !== credentials.password) {
        state.count('loginFailed');
        return reply.code(401).send({ code: 401, message: 'The email or password you entered is incorrect.' });
      }
      const returnUrl = safeReturnUrl(request.body.returnUrl);
      if (state.behaviours.twoFactor) {
        const pending = randomBytes(24).toString('base64url');
        state.pendingTwoFactor.set(pending, returnUrl);
        reply.setCookie(COOKIES.twoFactor, pending, { ...cookie, httpOnly: true });
        state.count('twoFactorChallenge');
        return reply.send({ redirectUrl: `/account/login?phase=twoFactor&returnUrl=${encodeURIComponent(returnUrl)}` });
      }
      return signIn(reply, credentials.username, returnUrl);
    },
  );

  app.post<{ Body: { code?: unknown } }>(`${SIGN_IN_RPC}/VerifyTwoFactor`, async (request, reply) => {
    if (xsrfFails(request, reply)) return reply;
    const pending = request.cookies[COOKIES.twoFactor] ?? '';
    const returnUrl = state.pendingTwoFactor.get(pending);
    if (returnUrl === undefined) {
      return reply.code(401).send({
        code: 401,
        message: 'No sign-in is waiting for a two-factor code; sign in with email and password first.',
      });
    }
    if (request.body?.code !== SANDBOX_TWO_FACTOR_CODE) {
      state.count('twoFactorFailed');
      return reply.code(401).send({ code: 401, message: 'The verification code you entered is incorrect.' });
    }
    state.pendingTwoFactor.delete(pending);
    reply.clearCookie(COOKIES.twoFactor, cookie);
    return signIn(reply, state.credentials.username, returnUrl);
  });

  type DatasetRoute = {
    Params: { owner: string; slug: string };
    Querystring: { select?: string; datasetVersionNumber?: string; fileName?: string };
  };

  app.get<DatasetRoute>('/datasets/:owner/:slug', async (request, reply) => {
    state.count('datasetPage');
    const entry = catalog.get(`${request.params.owner}/${request.params.slug}`);
    if (!entry) return html(reply, errorPage(frame(request, 'Not Found'), '404', "We can't find that page."), 404);
    const model = {
      ref: entry.ref,
      title: entry.title,
      version: entry.currentVersionNumber,
      files: entry.store.files.map((file) => ({ name: file.name, size: file.size })),
      selected: request.query.select,
      archiveSize: entry.store.archive.size,
    };
    return html(reply, datasetPage(frame(request, entry.title), model));
  });

  app.get<DatasetRoute>('/datasets/:owner/:slug/download', async (request, reply) => {
    state.count('webDownload');
    const entry = catalog.get(`${request.params.owner}/${request.params.slug}`);
    const version = request.query.datasetVersionNumber;
    if (!entry || (version !== undefined && version !== String(entry.currentVersionNumber))) {
      return html(reply, errorPage(frame(request, 'Not Found'), '404', 'No such dataset or version.'), 404);
    }
    if (!state.user(request.cookies[COOKIES.session])) {
      return reply.redirect(`/account/login?phase=emailSignIn&returnUrl=${encodeURIComponent(request.url)}`);
    }
    if (entry.gated) {
      return html(
        reply,
        errorPage(frame(request, 'Forbidden'), '403', "Accept this dataset's rules on its page before downloading."),
        403,
      );
    }
    const { fileName } = request.query;
    if (fileName !== undefined) {
      // One file from the web still arrives zipped, as `<name>.zip`.
      if (!entry.store.file(fileName))
        return html(reply, errorPage(frame(request, 'Not Found'), '404', 'No such file in this dataset.'), 404);
      state.count('download');
      const zipName = `${fileName.split('/').pop()}.zip`.replace(/"/g, '');
      return sendFile(request, reply, await entry.store.compressed(fileName), { attachmentName: zipName });
    }
    state.count('download');
    return sendFile(request, reply, entry.store.archive, { attachmentName: 'archive.zip' });
  });

  app.get<DatasetRoute>('/datasets/:owner/:slug/croissant/download', async (request, reply) => {
    const entry = catalog.get(`${request.params.owner}/${request.params.slug}`);
    if (!entry) return reply.code(404).send({ code: 404, message: 'Not Found' });
    return {
      '@context': { '@vocab': 'https://schema.org/', cr: 'http://mlcommons.org/croissant/' },
      '@type': 'sc:Dataset',
      name: entry.title,
      url: `/datasets/${entry.ref}`,
      version: String(entry.currentVersionNumber),
      distribution: entry.store.files.map((file) => ({
        '@type': 'cr:FileObject',
        name: file.name,
        contentSize: `${file.size} B`,
        md5: Buffer.from(file.md5, 'base64').toString('hex'),
      })),
    };
  });
}

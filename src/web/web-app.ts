import { randomBytes } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { UseCases } from '../app/use-cases.js';
import { AppError, ForbiddenError, NotFoundError, RateLimitedError, UnauthorizedError } from '../domain/errors.js';
import { countingFailures } from '../api/auth.js';
import type { Urls } from '../api/buddy-json/urls.js';
import { handleError, noSuchEndpoint } from '../api/errors.js';
import { clearedSessionCookie, cookieOf, SESSION_COOKIE, sessionCookie } from '../api/session-cookie.js';
import type { Assets } from './assets.js';
import { FORM_LIMITS, parseForm, text } from './form.js';
import { ErrorPage } from './pages/error-page.js';
import { LoginPage } from './pages/login.js';
import { registerPages } from './pages/index.js';
import { redirect, sendPage } from './render.js';
import { checkCsrf, createRouter, formBody } from './router.js';

export interface WebDeps {
  useCases: UseCases;
  urls: Urls;
  /** ARCHWAY_PUBLIC_URL is https: the cookies get `Secure`. */
  secure: boolean;
  assets: Assets;
}

/** The pre-session cookie of the login form (double-submit: a cross-site page cannot log a browser in). */
const LOGIN_COOKIE = 'archway_login';

/** Where a login may send the browser: a page of the app, never another site (`//evil`, `/\evil`) or the login. */
export function safeNext(next: string | undefined): string {
  if (!next || !/^\/app(\/|\?|$)/.test(next) || /[\\\s]|\/\//.test(next) || next.startsWith('/app/login'))
    return '/app';
  return next.length > 2000 ? '/app' : next;
}

const wantsHtml = (request: FastifyRequest) => /\btext\/html\b/.test(request.headers.accept ?? '');

/**
 * The web app under /app: the login, the pages (pages/), their assets, and what a browser should see on an
 * error — a page, never the API's JSON; a session that ended sends the browser to the login form and back.
 */
export async function registerWebApp(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const { assets } = deps;
  app.get('/', { schema: { hide: true }, config: { public: true } }, async (request, reply) => {
    if (wantsHtml(request)) return redirect(reply, '/app');
    throw new NotFoundError('No such endpoint: GET / (the API lives under /workspaces, /user and /openapi.json).');
  });

  await app.register(
    async (web) => {
      web.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: FORM_LIMITS.bytes },
        (_request, body, done) => {
          try {
            done(null, parseForm(body as string));
          } catch (error) {
            done(error as Error, undefined);
          }
        },
      );
      web.setErrorHandler((error: FastifyError, request, reply) => errorPage(error, request, reply, deps));
      // A browser gets a page; an API client that reached /app by a path no route matched (a trigger URL with a
      // mangled project name, say) gets the API's envelope, as everywhere else.
      web.setNotFoundHandler((request, reply) =>
        wantsHtml(request)
          ? sendPage(reply, ErrorPage({ status: 404, message: 'There is no such page.', assets: assets.urls }), 404)
          : handleError(noSuchEndpoint(request), request, reply),
      );

      web.get('/assets/:file', { schema: { hide: true }, config: { public: true } }, async (request, reply) => {
        const asset = assets.get((request.params as { file: string }).file);
        if (!asset) throw new NotFoundError('No such asset.');
        return reply
          .type(asset.type)
          .header('cache-control', 'public, max-age=31536000, immutable')
          .header('x-content-type-options', 'nosniff')
          .send(Buffer.from(asset.body));
      });

      web.get('/login', { schema: { hide: true }, config: { public: true } }, async (request, reply) => {
        const next = safeNext((request.query as { next?: string }).next);
        const csrf = randomBytes(18).toString('base64url');
        reply.header('set-cookie', loginCookie(csrf, deps.secure));
        return sendPage(reply, LoginPage({ assets: assets.urls, csrf, next }));
      });
      web.post('/login', { schema: { hide: true }, config: { public: true } }, async (request, reply) => {
        const form = formBody(request);
        const next = safeNext(text(form, 'next'));
        const again = (status: number, error: string) => {
          const csrf = randomBytes(18).toString('base64url');
          reply.header('set-cookie', loginCookie(csrf, deps.secure));
          return sendPage(reply, LoginPage({ assets: assets.urls, csrf, next, error }), status);
        };
        const expected = cookieOf(request.headers.cookie, LOGIN_COOKIE);
        if (!expected) return again(403, 'The login form had expired; log in again.');
        checkCsrf(form, expected);
        try {
          const { cookie } = await countingFailures(app.authFailures, request.ip, () =>
            deps.useCases.sessions.login(text(form, 'token') ?? '', request.ip),
          );
          reply.header('set-cookie', [
            sessionCookie(cookie, deps.secure),
            `${LOGIN_COOKIE}=; Path=/app/login; HttpOnly; SameSite=Strict; Max-Age=0`,
          ]);
          return redirect(reply, next);
        } catch (error) {
          if (error instanceof UnauthorizedError)
            return again(401, 'That token is not valid (unknown, expired or mistyped); paste it again.');
          if (error instanceof ForbiddenError) return again(403, error.message); // its ip_restrictions
          throw error;
        }
      });

      const router = createRouter(web, assets.urls);
      router.form('/logout', undefined, async ({ request, reply }) => {
        await deps.useCases.sessions.logout(cookieOf(request.headers.cookie, SESSION_COOKIE));
        reply.header('set-cookie', clearedSessionCookie(deps.secure));
        return { redirect: '/app/login' };
      });
      registerPages(router, deps);
    },
    { prefix: '/app' },
  );
}

const loginCookie = (value: string, secure: boolean) =>
  `${LOGIN_COOKIE}=${value}; Path=/app/login; HttpOnly; SameSite=Strict; Max-Age=3600${secure ? '; Secure' : ''}`;

/**
 * An error as a page for a browser (an API client gets the API's envelope): a session that is over (or none) goes to the login form, which comes back here; a refusal,
 * a missing resource or bad input shows its message (the API's words) with its status; anything else is a 500
 * whose cause stays in the server's log.
 */
function errorPage(error: FastifyError, request: FastifyRequest, reply: FastifyReply, deps: WebDeps) {
  if (!wantsHtml(request)) return handleError(error, request, reply); // an API client: the envelope, a 401
  if (error instanceof UnauthorizedError) {
    reply.header('set-cookie', clearedSessionCookie(deps.secure));
    const back = request.method === 'GET' || request.method === 'HEAD' ? request.url : '/app';
    return redirect(reply, `/app/login?next=${encodeURIComponent(back)}`);
  }
  if (error instanceof RateLimitedError)
    reply.header('retry-after', Math.max(1, error.resetAt - Math.floor(Date.now() / 1000)));
  const status =
    error instanceof AppError
      ? error.status
      : typeof error.statusCode === 'number' && error.statusCode >= 400
        ? error.statusCode
        : 500;
  if (status >= 500) request.log.error({ err: error }, 'a web page failed');
  const message =
    status >= 500 && !(error instanceof AppError)
      ? 'The server could not show this page; the cause is in its log.'
      : status === 413
        ? `The form is larger than ${FORM_LIMITS.bytes / 1024} KiB.`
        : error.message;
  const ctx =
    request.caller && request.webSession
      ? { caller: request.caller, csrf: request.webSession.csrf, path: request.url, assets: deps.assets.urls }
      : undefined;
  return sendPage(reply, ErrorPage({ status, message, assets: deps.assets.urls, ctx }), status);
}

import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../domain/errors.js';
import type { Scope } from '../domain/scopes.js';
import { parseForm, text, type FormFields } from './form.js';
import type { AssetUrls, PageContext } from './page-context.js';
import { redirect, sendPage } from './render.js';

/** What a form handler answers: where to go next (303), or the form again with its errors (and their status). */
export type FormOutcome = { redirect: string } | { page: VNode; status: number };

export interface PageRequest {
  ctx: PageContext;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * How the web app declares its pages: each with its path under /app, the scope it needs (as the API route it
 * mirrors) and a render function given the session's caller. A form POST is checked for the session's CSRF value
 * before its handler runs. Every page is a route the global auth hook authenticates by the session cookie
 * (`config.web`); a refusal becomes the login page in web-app.ts's error handler.
 */
export interface WebRouter {
  page(path: string, scope: Scope | undefined, render: (r: PageRequest) => Promise<VNode>): void;
  form(
    path: string,
    scope: Scope | undefined,
    handle: (r: PageRequest & { form: FormFields }) => Promise<FormOutcome>,
  ): void;
  /** A download (a raw log): a text body sent as an attachment under `filename`. */
  download(
    path: string,
    scope: Scope | undefined,
    make: (r: PageRequest) => Promise<{ filename: string; body: string }>,
  ): void;
}

export function createRouter(web: FastifyInstance, assets: AssetUrls): WebRouter {
  const ctxOf = (request: FastifyRequest): PageContext => {
    if (!request.caller || !request.webSession) throw new UnauthorizedError('Log in to see this page.');
    return { caller: request.caller, csrf: request.webSession.csrf, path: request.url, assets };
  };
  const requestOf = (request: FastifyRequest, reply: FastifyReply): PageRequest => ({
    ctx: ctxOf(request),
    params: request.params as Record<string, string>,
    query: request.query as Record<string, string | undefined>,
    request,
    reply,
  });
  const config = (scope: Scope | undefined) => ({ web: true, ...(scope ? { scope } : {}) });

  return {
    page(path, scope, render) {
      web.get(path, { schema: { hide: true }, config: config(scope) }, async (request, reply) =>
        sendPage(reply, await render(requestOf(request, reply))),
      );
    },
    form(path, scope, handle) {
      web.post(path, { schema: { hide: true }, config: config(scope) }, async (request, reply) => {
        const r = requestOf(request, reply);
        const form = formBody(request);
        checkCsrf(form, r.ctx.csrf);
        const outcome = await handle({ ...r, form });
        return 'redirect' in outcome
          ? redirect(reply, outcome.redirect)
          : sendPage(reply, outcome.page, outcome.status);
      });
    },
    download(path, scope, make) {
      web.get(path, { schema: { hide: true }, config: config(scope) }, async (request, reply) => {
        const { filename, body } = await make(requestOf(request, reply));
        return reply
          .type('text/plain; charset=utf-8')
          .header('content-disposition', `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`)
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'no-store')
          .send(body);
      });
    },
  };
}

/** The parsed form of a POST (an empty form when the body was empty or of another type). */
export function formBody(request: FastifyRequest): FormFields {
  const body = request.body;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as FormFields) : parseForm('');
}

/** Constant-time comparison of a form's `_csrf` with the expected value; 403 when it is missing or differs. */
export function checkCsrf(form: FormFields, expected: string): void {
  const sent = Buffer.from(text(form, '_csrf') ?? '');
  const want = Buffer.from(expected);
  if (sent.length !== want.length || !timingSafeEqual(sent, want))
    throw new ForbiddenError(
      'The form came from another page or an earlier session (its CSRF value does not match); reload the page and send it again.',
    );
}

/** A positive integer path segment (an id), or 404: a page for `/pipeline/abc` does not exist. */
export function idParam(value: string | undefined, what: string): number {
  const id = Number(value);
  if (!value || !/^[1-9]\d{0,15}$/.test(value) || !Number.isSafeInteger(id))
    throw new NotFoundError(`No such ${what}: ${value ?? ''}`);
  return id;
}

/** The 1-based page of a list from `?page=` (1 when absent or not a number). */
export function pageParam(query: Record<string, string | undefined>): number {
  const n = Number(query.page);
  return Number.isSafeInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}

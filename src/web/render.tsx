import type { FastifyReply } from 'fastify';
import type { ComponentChildren, VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { PAGE_HEADERS } from './security-headers.js';

/** Sends a page: the doctype and the rendered tree (preact escapes every text and attribute value). */
export function sendPage(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  return reply
    .status(status)
    .headers(PAGE_HEADERS)
    .type('text/html; charset=utf-8')
    .send(`<!doctype html>${renderToString(page)}`);
}

/** A 303 See Other: after a form's POST the browser GETs the next page (a reload does not post again). */
export function redirect(reply: FastifyReply, to: string): FastifyReply {
  return reply.headers(PAGE_HEADERS).redirect(to, 303);
}

export type Children = ComponentChildren;

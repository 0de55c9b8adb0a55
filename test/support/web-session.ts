import type { Api } from './api-harness.js';
import { ADMIN_TOKEN } from './api-harness.js';

export interface PageReply {
  status: number;
  body: string;
  location: string | undefined;
  headers: Record<string, string | string[] | number | undefined>;
}

/** The value of a cookie set by a reply (`name=value; …`), or undefined. */
export function setCookie(headers: PageReply['headers'], name: string): string | undefined {
  const raw = headers['set-cookie'];
  for (const line of Array.isArray(raw) ? raw : raw ? [String(raw)] : []) {
    const [pair] = line.split(';');
    if (pair?.startsWith(`${name}=`)) return pair.slice(name.length + 1);
  }
  return undefined;
}

/** The first `_csrf` value of a page's forms. */
export const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];

export const form = (fields: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields))
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, v);
  return params.toString();
};

/**
 * A browser's session over Fastify's inject: logs in through the login form (its pre-session cookie and CSRF
 * value included) and then sends the session cookie with every request, as a browser would.
 */
export async function webLogin(api: Api, token = ADMIN_TOKEN, ip = '127.0.0.1') {
  const request = async (
    method: 'GET' | 'POST',
    url: string,
    opts: { body?: string; cookie?: string } = {},
  ): Promise<PageReply> => {
    const res = await api.inject({
      method,
      url,
      remoteAddress: ip,
      headers: {
        accept: 'text/html',
        ...(opts.cookie !== undefined && { cookie: opts.cookie }),
        ...(opts.body !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      payload: opts.body,
    });
    return {
      status: res.statusCode,
      body: res.body,
      location: res.headers.location,
      headers: res.headers,
    };
  };
  const loginPage = await request('GET', '/app/login');
  const loginCookie = setCookie(loginPage.headers, 'archway_login')!;
  const answer = await request('POST', '/app/login', {
    cookie: `archway_login=${loginCookie}`,
    body: form({ _csrf: csrfOf(loginPage.body)!, token, next: '/app' }),
  });
  const session = setCookie(answer.headers, 'archway_session');
  if (answer.status !== 303 || !session)
    throw new Error(
      `login: ${answer.status} ${/role="alert">([^<]*)</.exec(answer.body)?.[1] ?? answer.body.slice(0, 300)}`,
    );
  const cookie = `archway_session=${session}`;
  // The session's CSRF value, from a page's logout form (every page has one, even a page of refusal).
  const home = await request('GET', '/app/my-id', { cookie });
  const csrf = csrfOf(home.body);
  if (!csrf) throw new Error(`no CSRF value in a page of the session: ${home.status}`);
  return {
    cookie,
    csrf,
    get: (url: string) => request('GET', url, { cookie }),
    /** A form POST with this session's CSRF value (unless the fields give their own `_csrf`). */
    post: (url: string, fields: Record<string, string | string[]> = {}) =>
      request('POST', url, { cookie, body: form({ _csrf: csrf, ...fields }) }),
    request,
  };
}
export type WebSession = Awaited<ReturnType<typeof webLogin>>;

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../app/caller.js';
import type { Sessions } from '../app/sessions.js';
import type { WebSession } from '../domain/web-session.js';
import type { TokenUseCases } from '../app/tokens.js';
import { ForbiddenError, RateLimitedError, UnauthorizedError } from '../domain/errors.js';
import { grants, type Scope } from '../domain/scopes.js';
import { cookieOf, SESSION_COOKIE } from './session-cookie.js';
import type { RateLimiter } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
    /** The browser session of a web app page (set with `caller` on routes with `config.web`). */
    webSession?: WebSession;
  }
  interface FastifyInstance {
    /** Failed authentications per client address, shared by the API, the agent protocol and the web app's login. */
    authFailures: RateLimiter;
  }
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one (and not public) need only a valid token. */
    scope?: Scope;
    /** Served without a token (the OpenAPI document). */
    public?: boolean;
    /** Agent protocol: authenticated by an agent token in agent-routes.ts instead. */
    agent?: boolean;
    /** A web app page: authenticated by its session cookie, never a token (the rate limit and scope still apply). */
    web?: boolean;
  }
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new UnauthorizedError('The Authorization header must be "Bearer <token>".');
    return match[1];
  }
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.access_token === 'string' ? query.access_token : undefined;
}

/**
 * Authentication, then the caller's request budget, then the route's scope. Failed authentications (a missing,
 * malformed, unknown or expired token, or one used from outside its `ip_restrictions`) count per client address:
 * past the limit (ARCHWAY_AUTH_FAILURE_LIMIT a minute) the address gets 429 with Retry-After until the window ends,
 * whatever token it sends, so tokens cannot be guessed at speed. The request budget is per token id (the bearer is
 * never a key: each random guess would get a bucket of its own), and every authenticated answer carries its headers.
 * A web page (`config.web`) is authenticated by its session cookie alone, whatever the method (src/web checks the
 * form's CSRF value on a POST); an API GET or HEAD without a bearer takes the cookie too, so the page's live log
 * stream and its JSON reads need no token in any URL, while an API write always needs the token.
 */
export function registerAuth(
  app: FastifyInstance,
  deps: { tokens: TokenUseCases; sessions: Sessions; limiter: RateLimiter; failures: RateLimiter },
) {
  app.addHook('onRequest', async (request, reply) => {
    const { config } = request.routeOptions;
    if (config.public || config.agent) return;
    request.caller = await countingFailures(deps.failures, request.ip, async (): Promise<Caller> => {
      if (config.web) {
        const resolved = await deps.sessions.resolve(cookieOf(request.headers.cookie, SESSION_COOKIE), request.ip);
        request.webSession = resolved.session;
        return resolved.caller;
      }
      const bearer = bearerOf(request);
      // A browser reads (the live log stream, a JSON link) with its session; it never writes through the API with
      // it: a cookie goes with cross-site requests, a bearer token does not, so a write needs the token (no CSRF).
      const cookie = cookieOf(request.headers.cookie, SESSION_COOKIE);
      if (bearer === undefined && cookie !== undefined && (request.method === 'GET' || request.method === 'HEAD'))
        return (await deps.sessions.resolve(cookie, request.ip)).caller;
      return deps.tokens.authenticate(bearer, request.ip);
    });
    const state = deps.limiter.hit(`t:${request.caller.token.id}`);
    reply
      .header('X-Rate-Limit-Limit', state.limit)
      .header('X-Rate-Limit-Remaining', state.remaining)
      .header('X-Rate-Limit-Reset', state.reset);
    if (state.exceeded) throw new RateLimitedError(state.reset);
    const scope = request.routeOptions.config.scope;
    if (scope && !grants(request.caller.token.scopes, scope)) {
      throw new ForbiddenError(`This token lacks the ${scope} scope that this request needs.`);
    }
  });
}

/**
 * Runs an authentication for a client address: 429 while the address has used up its failures of the window,
 * and a refusal (401, or 403 for `ip_restrictions`) counts as one more. User and agent routes share it.
 */
export async function countingFailures<T>(failures: RateLimiter, ip: string, authenticate: () => Promise<T>) {
  const address = `ip:${ip}`;
  const blocked = failures.peek(address);
  if (blocked.exceeded) throw new RateLimitedError(blocked.reset, 'address');
  try {
    return await authenticate();
  } catch (error) {
    if (error instanceof UnauthorizedError || error instanceof ForbiddenError) failures.hit(address);
    throw error;
  }
}

/** The authenticated caller of a route that is not public. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new UnauthorizedError();
  return request.caller;
}

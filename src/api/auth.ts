import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../app/caller.js';
import type { TokenUseCases } from '../app/tokens.js';
import { ForbiddenError, RateLimitedError, UnauthorizedError } from '../domain/errors.js';
import { grants, type Scope } from '../domain/scopes.js';
import type { RateLimiter } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one (and not public) need only a valid token. */
    scope?: Scope;
    /** Served without a token (the OpenAPI document). */
    public?: boolean;
    /** Agent protocol: authenticated by an agent token in agent-routes.ts instead. */
    agent?: boolean;
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

/** Rate limiting (every response carries the headers), authentication and the route's scope, in that order. */
export function registerAuth(app: FastifyInstance, deps: { tokens: TokenUseCases; limiter: RateLimiter }) {
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.public || request.routeOptions.config.agent) return;
    let bearer: string | undefined;
    let malformed: { error: unknown } | null = null;
    try {
      bearer = bearerOf(request);
    } catch (error) {
      malformed = { error };
    }
    // A malformed credential still counts against the client's window before it is refused.
    const state = deps.limiter.hit(bearer ? `t:${bearer}` : `ip:${request.ip}`);
    reply
      .header('X-Rate-Limit-Limit', state.limit)
      .header('X-Rate-Limit-Remaining', state.remaining)
      .header('X-Rate-Limit-Reset', state.reset);
    if (state.exceeded) throw new RateLimitedError(state.reset);
    if (malformed !== null) throw malformed.error;
    request.caller = await deps.tokens.authenticate(bearer);
    const scope = request.routeOptions.config.scope;
    if (scope && !grants(request.caller.token.scopes, scope)) {
      throw new ForbiddenError(`This token lacks the ${scope} scope that this request needs.`);
    }
  });
}

/** The authenticated caller of a route that is not public. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new UnauthorizedError();
  return request.caller;
}

import { randomBytes } from 'node:crypto';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.js';
import { ipAllowed } from '../domain/ip-restriction.js';
import { isExpired } from '../domain/token.js';
import { SESSION_MAX_MS, SESSION_TOUCH_MS, sessionEnded, type WebSession } from '../domain/web-session.js';
import type { Caller } from './caller.js';
import type { Clock } from './ports/clock.js';
import type { Secrets } from './ports/secrets.js';
import type { Store } from './ports/store.js';
import type { TokenUseCases } from './tokens.js';

/** What a request's session cookie stands for. */
export interface SessionCaller {
  caller: Caller;
  session: WebSession;
}

/**
 * The web app's logins. A session is made from a token and acts as that token (its scopes, its workspaces, its IP
 * restrictions, its expiry), so a page shows and allows exactly what an API call with the token would. It ends
 * with the token (a cascade when the token is deleted; its expiry on every request), after `idleMs` without a
 * request, after SESSION_MAX_MS however busy, or at logout. Every refusal is a 401 a page turns into the login form.
 */
export function createSessions(deps: {
  store: Store;
  secrets: Secrets;
  clock: Clock;
  tokens: TokenUseCases;
  idleMs: number;
}) {
  const { store, secrets, clock } = deps;
  const over = (message: string): never => {
    throw new UnauthorizedError(message);
  };

  return {
    /** Logs in with a token's value; returns the cookie's value (shown to nobody but the browser). */
    async login(tokenValue: string, clientAddress: string): Promise<{ cookie: string; session: WebSession }> {
      const caller = await deps.tokens.authenticate(tokenValue, clientAddress);
      const cookie = randomBytes(32).toString('base64url');
      const now = clock.now();
      const session: WebSession = {
        id: randomBytes(12).toString('hex'),
        tokenId: caller.token.id,
        userId: caller.user.id,
        csrf: randomBytes(24).toString('base64url'),
        createdAt: now,
        lastSeenAt: now,
      };
      await store.sessions.create({ ...session, digest: secrets.digestToken(cookie) });
      return { cookie, session };
    },

    /** The caller of a session cookie; 401 when there is none or it ended, 403 outside the token's addresses. */
    async resolve(cookie: string | undefined, clientAddress: string): Promise<SessionCaller> {
      if (!cookie) return over('Log in to see this page.');
      const session = await store.sessions.byDigest(secrets.digestToken(cookie));
      if (!session) return over('The session is over; log in again.');
      const now = clock.now();
      const ended = sessionEnded(session, now, deps.idleMs);
      if (ended) {
        await store.sessions.remove(session.id);
        return over(ended);
      }
      const [token, user] = await Promise.all([
        store.tokens.byId(session.userId, session.tokenId),
        store.users.byId(session.userId),
      ]);
      if (!token || !user) return over('The token of this session was deleted; log in again.');
      if (isExpired(token, now)) return over('The token of this session has expired; log in with another.');
      if (!ipAllowed(token.ipRestrictions, clientAddress))
        throw new ForbiddenError(`This token may not be used from ${clientAddress} (its "ip_restrictions").`);
      if (now.getTime() - session.lastSeenAt.getTime() >= SESSION_TOUCH_MS) {
        await store.sessions.touch(session.id, now);
        session.lastSeenAt = now;
      }
      return { caller: { token, user }, session };
    },

    /** Ends the cookie's session, if it has one. */
    async logout(cookie: string | undefined): Promise<void> {
      if (!cookie) return;
      const session = await store.sessions.byDigest(secrets.digestToken(cookie));
      if (session) await store.sessions.remove(session.id);
    },

    /** Drops the sessions that ended without a request to notice (run now and then); how many went. */
    sweep(): Promise<number> {
      const now = clock.now().getTime();
      return store.sessions.removeEnded(new Date(now - deps.idleMs), new Date(now - SESSION_MAX_MS));
    },
  };
}
export type Sessions = ReturnType<typeof createSessions>;

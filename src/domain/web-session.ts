/**
 * A browser's login: made from a token (the person pastes it once), it acts with that token's reach and scopes,
 * and ends when the token does (deleted or expired), when it sat idle too long, when it reached its longest life,
 * or at logout. The cookie holds a random value; the store keeps only its digest, as for tokens.
 */
export interface WebSession {
  id: string;
  tokenId: string;
  userId: number;
  /** The anti-CSRF value every form of this session carries (not a credential on its own). */
  csrf: string;
  createdAt: Date;
  lastSeenAt: Date;
}

/** A session lives at most this long, however busy (a week: a stolen cookie is not good forever). */
export const SESSION_MAX_MS = 7 * 24 * 3_600_000;

/**
 * The last-seen time is written at most this often: a page load costs no write, yet the idle expiry is exact to
 * a minute (one write a minute per active browser instead of one per request, 10+ per execution page).
 */
export const SESSION_TOUCH_MS = 60_000;

/** Why the session is over at `now`, or null while it lasts. */
export function sessionEnded(session: WebSession, now: Date, idleMs: number): string | null {
  if (now.getTime() - session.createdAt.getTime() >= SESSION_MAX_MS)
    return 'The session is over (7 days); log in again.';
  if (now.getTime() - session.lastSeenAt.getTime() >= idleMs)
    return 'The session ended after a time without use; log in again.';
  return null;
}

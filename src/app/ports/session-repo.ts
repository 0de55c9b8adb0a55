import type { WebSession } from '../../domain/web-session.js';

/**
 * The web app's sessions. Lifecycle: part of the Store. Concurrency: each call is one statement; two requests of
 * one browser touching at once both write the same kind of time. Failure: driver errors are StoreError.
 */
export interface SessionRepo {
  create(session: WebSession & { digest: string }): Promise<void>;
  /** The session whose cookie has this digest. */
  byDigest(digest: string): Promise<WebSession | undefined>;
  touch(id: string, at: Date): Promise<void>;
  remove(id: string): Promise<void>;
  /** Drops the sessions last seen before `idleBefore` or made before `madeBefore`; how many went. */
  removeEnded(idleBefore: Date, madeBefore: Date): Promise<number>;
}

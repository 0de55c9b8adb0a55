import { describe, expect, it } from 'vitest';
import type { Store } from '../app/ports/store.js';
import { unique, useStore, type MakeStore } from './contract-fixtures.js';

/** The web app's sessions: kept by the digest of their cookie, gone with their token. */
export function webSessionContract(makeStore: MakeStore): void {
  describe('web sessions', () => {
    const store = useStore(makeStore);
    const at = (iso: string) => new Date(iso);

    async function sessionOf(s: Store, createdAt = at('2030-01-01T00:00:00.000Z')) {
      const user = await s.users.create({ name: unique('u'), email: 'u@example.com' });
      const token = await s.tokens.create({
        id: unique('tok'),
        userId: user.id,
        name: 'browser',
        tokenHash: unique('hash'),
        scopes: ['WORKSPACE'],
        workspaceRestrictions: [],
        ipRestrictions: [],
        expiresAt: null,
      });
      const session = {
        id: unique('sess'),
        tokenId: token.id,
        userId: user.id,
        csrf: unique('csrf'),
        createdAt,
        lastSeenAt: createdAt,
      };
      const digest = unique('digest');
      await s.sessions.create({ ...session, digest });
      return { session, digest, token };
    }

    it('finds a session by its digest only, and touches its last-seen time', async () => {
      const { session, digest } = await sessionOf(store());
      expect(await store().sessions.byDigest(digest)).toEqual(session);
      expect(await store().sessions.byDigest(`${digest}x`)).toBeUndefined();
      await store().sessions.touch(session.id, at('2030-01-01T01:00:00.000Z'));
      expect((await store().sessions.byDigest(digest))?.lastSeenAt).toEqual(at('2030-01-01T01:00:00.000Z'));
      await store().sessions.remove(session.id);
      expect(await store().sessions.byDigest(digest)).toBeUndefined();
    });

    it('goes with its token', async () => {
      const { digest, token } = await sessionOf(store());
      await store().tokens.remove(token.id);
      expect(await store().sessions.byDigest(digest)).toBeUndefined();
    });

    it('drops the sessions idle since before a time or made before another, and keeps the others', async () => {
      const idle = await sessionOf(store(), at('2030-01-01T00:00:00.000Z'));
      const old = await sessionOf(store(), at('2030-01-02T00:00:00.000Z'));
      await store().sessions.touch(old.session.id, at('2030-01-09T00:00:00.000Z'));
      const fresh = await sessionOf(store(), at('2030-01-09T00:00:00.000Z'));
      const gone = await store().sessions.removeEnded(at('2030-01-05T00:00:00.000Z'), at('2030-01-03T00:00:00.000Z'));
      expect(gone).toBeGreaterThanOrEqual(2);
      expect(await store().sessions.byDigest(idle.digest)).toBeUndefined();
      expect(await store().sessions.byDigest(old.digest)).toBeUndefined();
      expect(await store().sessions.byDigest(fresh.digest)).toBeDefined();
    });
  });
}

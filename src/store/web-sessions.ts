import type { Selectable } from 'kysely';
import type { SessionRepo } from '../app/ports/session-repo.js';
import type { WebSession } from '../domain/web-session.js';
import { fromDate, guarded, toDate, type RepoContext } from './rows.js';
import type { WebSessionsTable } from './schema.js';

const toSession = (r: Selectable<WebSessionsTable>): WebSession => ({
  id: r.id,
  tokenId: r.token_id,
  userId: r.user_id,
  csrf: r.csrf,
  createdAt: toDate(r.created_at),
  lastSeenAt: toDate(r.last_seen_at),
});

export function createSessionRepo(ctx: RepoContext): SessionRepo {
  const { db } = ctx;
  return {
    create: (s) =>
      guarded(ctx, 'create the session', async () => {
        await db
          .insertInto('web_sessions')
          .values({
            id: s.id,
            digest: s.digest,
            token_id: s.tokenId,
            user_id: s.userId,
            csrf: s.csrf,
            created_at: fromDate(s.createdAt),
            last_seen_at: fromDate(s.lastSeenAt),
          })
          .execute();
      }),
    byDigest: (digest) =>
      guarded(ctx, 'read the session', async () => {
        const row = await db.selectFrom('web_sessions').selectAll().where('digest', '=', digest).executeTakeFirst();
        return row && toSession(row);
      }),
    touch: (id, at) =>
      guarded(ctx, 'touch the session', async () => {
        await db
          .updateTable('web_sessions')
          .set({ last_seen_at: fromDate(at) })
          .where('id', '=', id)
          .execute();
      }),
    remove: (id) =>
      guarded(ctx, 'end the session', async () => {
        await db.deleteFrom('web_sessions').where('id', '=', id).execute();
      }),
    removeEnded: (idleBefore, madeBefore) =>
      guarded(ctx, 'drop ended sessions', async () => {
        const res = await db
          .deleteFrom('web_sessions')
          .where((eb) =>
            eb.or([eb('last_seen_at', '<', fromDate(idleBefore)), eb('created_at', '<', fromDate(madeBefore))]),
          )
          .executeTakeFirst();
        return Number(res.numDeletedRows);
      }),
  };
}

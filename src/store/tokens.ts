import type { Selectable } from 'kysely';
import type { TokenRepo, UserRepo } from '../app/ports/store.js';
import type { AccessToken, User } from '../domain/token.js';
import { fromDate, fromJson, guarded, must, offsetOf, toDate, toJson, type RepoContext } from './rows.js';
import type { TokensTable, UsersTable } from './schema.js';

function toToken(row: Selectable<TokensTable>): AccessToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    scopes: toJson(row.scopes),
    workspaceRestrictions: toJson(row.workspace_restrictions),
    ipRestrictions: toJson(row.ip_restrictions),
    expiresAt: row.expires_at === null ? null : toDate(row.expires_at),
    createdAt: toDate(row.created_at),
  };
}

function toUser(row: Selectable<UsersTable>): User {
  return { id: row.id, name: row.name, email: row.email, createdAt: toDate(row.created_at) };
}

export function createTokenRepo(ctx: RepoContext): TokenRepo {
  const { db } = ctx;
  return {
    create: (input) =>
      guarded(
        ctx,
        'create the token',
        async () => {
          const row = await db
            .insertInto('tokens')
            .values({
              id: input.id,
              user_id: input.userId,
              name: input.name,
              token_hash: input.tokenHash,
              scopes: fromJson(input.scopes),
              workspace_restrictions: fromJson(input.workspaceRestrictions),
              ip_restrictions: fromJson(input.ipRestrictions),
              expires_at: input.expiresAt && fromDate(input.expiresAt),
              created_at: fromDate(new Date()),
            })
            .returningAll()
            .executeTakeFirst();
          return toToken(must(row, 'The new token'));
        },
        'This token already exists.',
      ),
    byHash: (tokenHash) =>
      guarded(ctx, 'read the token', async () => {
        const row = await db.selectFrom('tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
        return row && toToken(row);
      }),
    byId: (userId, id) =>
      guarded(ctx, 'read the token', async () => {
        const row = await db
          .selectFrom('tokens')
          .selectAll()
          .where('id', '=', id)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        return row && toToken(row);
      }),
    list: (userId, page) =>
      guarded(ctx, 'list tokens', async () => {
        const { limit, offset } = offsetOf(page);
        const rows = await db
          .selectFrom('tokens')
          .selectAll()
          .where('user_id', '=', userId)
          .orderBy('created_at')
          .orderBy('id')
          .limit(limit)
          .offset(offset)
          .execute();
        return rows.map(toToken);
      }),
    remove: (id) =>
      guarded(ctx, 'delete the token', async () => {
        await db.deleteFrom('tokens').where('id', '=', id).execute();
      }),
    count: () =>
      guarded(ctx, 'count tokens', async () => {
        const row = await db
          .selectFrom('tokens')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirst();
        return Number(row?.n ?? 0);
      }),
  };
}

export function createUserRepo(ctx: RepoContext): UserRepo {
  const { db } = ctx;
  return {
    create: (input) =>
      guarded(ctx, 'create the user', async () => {
        const row = await db
          .insertInto('users')
          .values({ name: input.name, email: input.email, created_at: fromDate(new Date()) })
          .returningAll()
          .executeTakeFirst();
        return toUser(must(row, 'The new user'));
      }),
    byId: (id) =>
      guarded(ctx, 'read the user', async () => {
        const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
        return row && toUser(row);
      }),
    first: () =>
      guarded(ctx, 'read the user', async () => {
        const row = await db.selectFrom('users').selectAll().orderBy('id').limit(1).executeTakeFirst();
        return row && toUser(row);
      }),
  };
}

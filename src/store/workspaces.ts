import type { Selectable } from 'kysely';
import type { WorkspaceRepo } from '../app/ports/store.js';
import type { Workspace } from '../domain/workspace.js';
import { fromBool, fromDate, guarded, must, offsetOf, toBool, toDate, type RepoContext } from './rows.js';
import type { WorkspacesTable } from './schema.js';

export function toWorkspace(row: Selectable<WorkspacesTable>): Workspace {
  return {
    id: row.id,
    domain: row.domain,
    name: row.name,
    ownerId: row.owner_id,
    frozen: toBool(row.frozen),
    createdAt: toDate(row.created_at),
  };
}

export function createWorkspaceRepo(ctx: RepoContext): WorkspaceRepo {
  const { db } = ctx;
  const conflict = 'A workspace with this domain already exists.';
  const byId = (id: number) => db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
  return {
    create: (input) =>
      guarded(
        ctx,
        'create the workspace',
        async () => {
          const row = await db
            .insertInto('workspaces')
            .values({
              domain: input.domain,
              name: input.name,
              owner_id: input.ownerId,
              frozen: fromBool(input.frozen),
              created_at: fromDate(new Date()),
            })
            .returningAll()
            .executeTakeFirst();
          return toWorkspace(must(row, 'The new workspace'));
        },
        conflict,
      ),
    byDomain: (domain) =>
      guarded(ctx, 'read the workspace', async () => {
        const row = await db.selectFrom('workspaces').selectAll().where('domain', '=', domain).executeTakeFirst();
        return row && toWorkspace(row);
      }),
    find: (id) =>
      guarded(ctx, 'read the workspace', async () => {
        const row = await byId(id);
        return row && toWorkspace(row);
      }),
    list: (filter, page) =>
      guarded(ctx, 'list workspaces', async () => {
        let query = db.selectFrom('workspaces').selectAll().orderBy('id');
        if (filter.domains)
          query = filter.domains.length ? query.where('domain', 'in', filter.domains) : query.where('id', '<', 0);
        const { limit, offset } = offsetOf(page);
        return (await query.limit(limit).offset(offset).execute()).map(toWorkspace);
      }),
    update: (id, patch) =>
      guarded(
        ctx,
        'update the workspace',
        async () => {
          await db
            .updateTable('workspaces')
            .set({
              ...(patch.name !== undefined && { name: patch.name }),
              ...(patch.domain !== undefined && { domain: patch.domain }),
            })
            .where('id', '=', id)
            .execute();
          return toWorkspace(must(await byId(id), 'The workspace'));
        },
        conflict,
      ),
    remove: (id) =>
      guarded(ctx, 'delete the workspace', async () => {
        await db.deleteFrom('workspaces').where('id', '=', id).execute();
      }),
  };
}

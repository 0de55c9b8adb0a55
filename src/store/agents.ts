import type { Selectable } from 'kysely';
import type { Agent, AgentRepo } from '../app/ports/agent-repo.js';
import { fromDate, fromJson, guarded, must, toDate, toJson, type RepoContext } from './rows.js';
import type { AgentsTable } from './schema.js';

/** Registered agents; a token digest identifies one. */
function toAgent(r: Selectable<AgentsTable>): Agent {
  return {
    id: r.id,
    name: r.name,
    labels: toJson<string[]>(r.labels),
    workspaceIds: r.workspace_ids === null ? null : toJson<number[]>(r.workspace_ids),
    createdAt: toDate(r.created_at),
    lastSeenAt: r.last_seen_at === null ? null : toDate(r.last_seen_at),
  };
}

export function createAgentRepo(ctx: RepoContext): AgentRepo {
  const { db } = ctx;
  return {
    create: (agent) =>
      guarded(
        ctx,
        'register the agent',
        async () => {
          const row = await db
            .insertInto('agents')
            .values({
              id: agent.id,
              name: agent.name,
              token_hash: agent.tokenHash,
              labels: fromJson(agent.labels),
              workspace_ids: agent.workspaceIds == null ? null : fromJson(agent.workspaceIds),
              created_at: fromDate(new Date()),
              last_seen_at: null,
            })
            .returningAll()
            .executeTakeFirst();
          return toAgent(must(row, 'The agent'));
        },
        'An agent with this token already exists.',
      ),
    byTokenHash: (tokenHash) =>
      guarded(ctx, 'read the agent', async () => {
        const r = await db.selectFrom('agents').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
        return r && toAgent(r);
      }),
    byId: (id) =>
      guarded(ctx, 'read the agent', async () => {
        const r = await db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
        return r && toAgent(r);
      }),
    list: () =>
      guarded(ctx, 'list the agents', async () => {
        const rows = await db.selectFrom('agents').selectAll().orderBy('created_at').orderBy('id').execute();
        return rows.map(toAgent);
      }),
    touch: (id, at) =>
      guarded(ctx, 'update the agent', async () => {
        await db
          .updateTable('agents')
          .set({ last_seen_at: fromDate(at) })
          .where('id', '=', id)
          .execute();
      }),
    remove: (id) =>
      guarded(ctx, 'remove the agent', async () => {
        await db.deleteFrom('agents').where('id', '=', id).execute();
      }),
  };
}

import type { Selectable } from 'kysely';
import type { Agent, AgentRepo } from '../app/ports/agent-repo.js';
import type { JobKind } from '../app/ports/job-queue.js';
import type { PlatformReport } from '../domain/agent-platforms.js';
import type { Platform } from '../domain/platform.js';
import { fromDate, fromJson, guarded, must, toDate, toJson, type RepoContext } from './rows.js';
import type { AgentsTable } from './schema.js';

/** The last hello's report; null before the first (the native list is written with every report). */
function toPlatforms(r: Selectable<AgentsTable>): PlatformReport | null {
  if (r.native_platforms === null) return null;
  return {
    hostPlatform: r.host_platform as Platform | null,
    native: toJson<Platform[]>(r.native_platforms),
    emulated: r.emulated_platforms === null ? [] : toJson<Platform[]>(r.emulated_platforms),
  };
}

/** Registered agents; a token digest identifies one. */
function toAgent(r: Selectable<AgentsTable>): Agent {
  return {
    id: r.id,
    name: r.name,
    labels: toJson<string[]>(r.labels),
    workspaceIds: r.workspace_ids === null ? null : toJson<number[]>(r.workspace_ids),
    createdAt: toDate(r.created_at),
    lastSeenAt: r.last_seen_at === null ? null : toDate(r.last_seen_at),
    platforms: toPlatforms(r),
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
              host_platform: null,
              native_platforms: null,
              emulated_platforms: null,
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
    report: (id, platforms, at) =>
      guarded(ctx, 'update the agent', async () => {
        await db
          .updateTable('agents')
          .set({
            host_platform: platforms.hostPlatform,
            native_platforms: fromJson(platforms.native),
            emulated_platforms: fromJson(platforms.emulated),
            last_seen_at: fromDate(at),
          })
          .where('id', '=', id)
          .execute();
      }),
    held: (agentIds) =>
      guarded(ctx, 'read the jobs of the agents', async () => {
        if (agentIds.length === 0) return [];
        const rows = await db
          .selectFrom('jobs as j')
          .innerJoin('action_executions as ae', 'ae.id', 'j.action_execution_id')
          .innerJoin('pipelines as p', 'p.id', 'j.pipeline_id')
          .innerJoin('projects as pr', 'pr.id', 'p.project_id')
          .innerJoin('workspaces as w', 'w.id', 'pr.workspace_id')
          .select([
            'j.agent_id',
            'j.id',
            'j.attempt',
            'j.kind',
            'j.platform',
            'j.execution_id',
            'j.action_execution_id',
            'ae.action_id',
            'j.pipeline_id',
            'pr.name as project_name',
            'w.domain',
          ])
          .where('j.state', '=', 'RUNNING')
          .where('j.agent_id', 'in', [...agentIds])
          .orderBy('j.id')
          .execute();
        return rows.map((r) => ({
          agentId: r.agent_id!,
          jobId: r.id,
          attempt: r.attempt,
          kind: r.kind as JobKind,
          platform: r.platform as Platform | null,
          executionId: r.execution_id,
          actionExecutionId: r.action_execution_id,
          actionId: r.action_id,
          pipelineId: r.pipeline_id,
          projectName: r.project_name,
          workspaceDomain: r.domain,
        }));
      }),
    remove: (id) =>
      guarded(ctx, 'remove the agent', async () => {
        await db.deleteFrom('agents').where('id', '=', id).execute();
      }),
  };
}

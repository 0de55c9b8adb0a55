import type { Selectable } from 'kysely';
import type { IntegrationRepo, NewIntegration } from '../app/ports/store.js';
import type { Integration, IntegrationDetails } from '../domain/integration.js';
import { fromBool, fromDate, fromJson, guarded, must, toBool, toDate, toJson, type RepoContext } from './rows.js';
import type { IntegrationsTable } from './schema.js';

function toIntegration(row: Selectable<IntegrationsTable>): Integration {
  return {
    id: row.id,
    hashId: row.hash_id,
    workspaceId: row.workspace_id,
    projectId: row.project_id,
    name: row.name,
    type: row.type as Integration['type'],
    scope: row.scope as Integration['scope'],
    identifier: row.identifier,
    authType: row.auth_type as Integration['authType'],
    allPipelinesAllowed: toBool(row.all_pipelines_allowed),
    allowedPipelineIds: toJson<number[]>(row.allowed_pipelines),
    details: toJson<IntegrationDetails>(row.details),
    sealedSecret: row.secret,
    createdAt: toDate(row.created_at),
  };
}

function toRow(i: NewIntegration) {
  return {
    hash_id: i.hashId,
    workspace_id: i.workspaceId,
    project_id: i.projectId,
    name: i.name,
    type: i.type,
    scope: i.scope,
    identifier: i.identifier,
    auth_type: i.authType,
    all_pipelines_allowed: fromBool(i.allPipelinesAllowed),
    allowed_pipelines: fromJson(i.allowedPipelineIds),
    details: fromJson(i.details),
    secret: i.sealedSecret,
  };
}

/** Only these characters go into the LIKE pre-filter, so no hash can act as a wildcard. */
const PLAIN_HASH = /^[A-Za-z0-9]+$/;

export function createIntegrationRepo(ctx: RepoContext): IntegrationRepo {
  const { db } = ctx;
  const conflict = (identifier: string) =>
    `An integration with identifier "${identifier}" already exists in this workspace; pick another "identifier".`;
  const read = (id: number) => db.selectFrom('integrations').selectAll().where('id', '=', id).executeTakeFirst();
  return {
    create: (input) =>
      guarded(
        ctx,
        'add the integration',
        async () => {
          const row = await db
            .insertInto('integrations')
            .values({ ...toRow(input), created_at: fromDate(new Date()) })
            .returningAll()
            .executeTakeFirst();
          return toIntegration(must(row, 'The new integration'));
        },
        conflict(input.identifier),
      ),
    byHash: (workspaceId, hashId) =>
      guarded(ctx, 'read the integration', async () => {
        const row = await db
          .selectFrom('integrations')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .where('hash_id', '=', hashId)
          .executeTakeFirst();
        return row && toIntegration(row);
      }),
    byIdentifier: (workspaceId, identifier) =>
      guarded(ctx, 'read the integration', async () => {
        const row = await db
          .selectFrom('integrations')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .where('identifier', '=', identifier)
          .executeTakeFirst();
        return row && toIntegration(row);
      }),
    list: (workspaceId) =>
      guarded(ctx, 'list integrations', async () => {
        const rows = await db
          .selectFrom('integrations')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .orderBy('id')
          .execute();
        return rows.map(toIntegration);
      }),
    update: (integration) =>
      guarded(
        ctx,
        'update the integration',
        async () => {
          await db.updateTable('integrations').set(toRow(integration)).where('id', '=', integration.id).execute();
          return toIntegration(must(await read(integration.id), 'The integration'));
        },
        conflict(integration.identifier),
      ),
    remove: (id) =>
      guarded(ctx, 'delete the integration', async () => {
        await db.deleteFrom('integrations').where('id', '=', id).execute();
      }),
    // Action settings are one JSON column; LIKE narrows the rows, the parsed settings decide.
    usages: (workspaceId, hashId) =>
      guarded(ctx, 'find the actions that use the integration', async () => {
        const rows = await db
          .selectFrom('actions')
          .innerJoin('pipelines', 'pipelines.id', 'actions.pipeline_id')
          .innerJoin('projects', 'projects.id', 'pipelines.project_id')
          .select([
            'actions.id as action_id',
            'actions.name as action_name',
            'actions.settings',
            'pipelines.id as pipeline_id',
            'pipelines.name as pipeline_name',
            'projects.id as project_id',
            'projects.name as project_name',
          ])
          .where('projects.workspace_id', '=', workspaceId)
          .$if(PLAIN_HASH.test(hashId), (qb) => qb.where('actions.settings', 'like', `%${hashId}%`))
          .orderBy('actions.id')
          .execute();
        return rows
          .filter(
            (r) =>
              toJson<{ build?: { integrationHash?: string | null } }>(r.settings).build?.integrationHash === hashId,
          )
          .map((r) => ({
            actionId: r.action_id,
            actionName: r.action_name,
            pipelineId: r.pipeline_id,
            pipelineName: r.pipeline_name,
            projectId: r.project_id,
            projectName: r.project_name,
          }));
      }),
  };
}

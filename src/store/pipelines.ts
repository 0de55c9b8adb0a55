import type { Selectable } from 'kysely';
import type { NewPipeline, PipelineRepo } from '../app/ports/store.js';
import type { Pipeline } from '../domain/pipeline.js';
import {
  fromBool,
  fromDate,
  fromJson,
  guarded,
  must,
  offsetOf,
  toBool,
  toDate,
  toJson,
  type RepoContext,
} from './rows.js';
import type { PipelinesTable } from './schema.js';

type Triggers = Pick<Pipeline, 'refs' | 'events' | 'triggerConditions'>;

export function toPipeline(row: Selectable<PipelinesTable>): Pipeline {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    identifier: row.identifier,
    createdAt: toDate(row.created_at),
    creatorId: row.creator_id,
    cacheScope: row.cache_scope as Pipeline['cacheScope'],
    priority: row.priority as Pipeline['priority'],
    disabled: toBool(row.disabled),
    ...toJson<Triggers>(row.triggers),
    options: toJson(row.options),
    webhookTokenSealed: row.webhook_token,
    lastExecutionStatus: row.last_execution_status as Pipeline['lastExecutionStatus'],
    lastExecutionRevision: row.last_execution_revision,
  };
}

function toRow(p: NewPipeline) {
  const triggers: Triggers = { refs: p.refs, events: p.events, triggerConditions: p.triggerConditions };
  return {
    project_id: p.projectId,
    name: p.name,
    identifier: p.identifier,
    creator_id: p.creatorId,
    cache_scope: p.cacheScope,
    priority: p.priority,
    disabled: fromBool(p.disabled),
    triggers: fromJson(triggers),
    options: fromJson(p.options),
    webhook_token: p.webhookTokenSealed,
  };
}

const SORT_COLUMNS = { name: 'name', id: 'id' } as const;

export function createPipelineRepo(ctx: RepoContext): PipelineRepo {
  const { db } = ctx;
  const conflict = 'A pipeline with this identifier already exists in the project.';
  const byId = (id: number) => db.selectFrom('pipelines').selectAll().where('id', '=', id).executeTakeFirst();
  return {
    create: (input) =>
      guarded(
        ctx,
        'create the pipeline',
        async () => {
          const row = await db
            .insertInto('pipelines')
            .values({
              ...toRow(input),
              created_at: fromDate(new Date()),
              last_execution_status: 'INITIAL',
              last_execution_revision: null,
            })
            .returningAll()
            .executeTakeFirst();
          return toPipeline(must(row, 'The new pipeline'));
        },
        conflict,
      ),
    byId: (projectId, id) =>
      guarded(ctx, 'read the pipeline', async () => {
        const row = await byId(id);
        return row && row.project_id === projectId ? toPipeline(row) : undefined;
      }),
    find: (id) =>
      guarded(ctx, 'read the pipeline', async () => {
        const row = await byId(id);
        return row && toPipeline(row);
      }),
    list: (filter, page) =>
      guarded(ctx, 'list pipelines', async () => {
        const column = SORT_COLUMNS[(page.sortBy ?? '') as keyof typeof SORT_COLUMNS] ?? 'id';
        const { limit, offset } = offsetOf(page);
        const rows = await db
          .selectFrom('pipelines')
          .selectAll()
          .where('project_id', '=', filter.projectId)
          .orderBy(column, page.sortDirection === 'DESC' ? 'desc' : 'asc')
          .orderBy('id')
          .limit(limit)
          .offset(offset)
          .execute();
        return rows.map(toPipeline);
      }),
    withEvents: (types, projectId) =>
      guarded(ctx, 'list pipelines with triggers', async () => {
        // The events are JSON text: a LIKE per type narrows the rows on both dialects, the parsed events decide.
        const rows = await db
          .selectFrom('pipelines')
          .selectAll()
          .where((eb) => eb.or(types.map((type) => eb('triggers', 'like', `%"type":"${type}"%`))))
          .$if(projectId !== undefined, (q) => q.where('project_id', '=', projectId!))
          .orderBy('id')
          .execute();
        return rows.map(toPipeline).filter((p) => p.events.some((e) => types.includes(e.type)));
      }),
    update: (pipeline) =>
      guarded(
        ctx,
        'update the pipeline',
        async () => {
          await db
            .updateTable('pipelines')
            .set({
              ...toRow(pipeline),
              last_execution_status: pipeline.lastExecutionStatus,
              last_execution_revision: pipeline.lastExecutionRevision,
            })
            .where('id', '=', pipeline.id)
            .execute();
          return toPipeline(must(await byId(pipeline.id), 'The pipeline'));
        },
        conflict,
      ),
    remove: (id) =>
      guarded(ctx, 'delete the pipeline', async () => {
        await db.deleteFrom('pipelines').where('id', '=', id).execute();
      }),
  };
}

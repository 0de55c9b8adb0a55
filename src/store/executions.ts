import type { Selectable } from 'kysely';
import type { ExecutionRepo, NewExecution } from '../app/ports/execution-repo.js';
import type { ActionExecution, Execution } from '../domain/execution.js';
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
import type { ActionExecutionsTable, ExecutionsTable } from './schema.js';

const maybeDate = (v: string | null) => (v === null ? null : toDate(v));
const maybeIso = (v: Date | null) => (v === null ? null : fromDate(v));

function toExecution(r: Selectable<ExecutionsTable>): Execution {
  return {
    id: r.id,
    pipelineId: r.pipeline_id,
    status: r.status as Execution['status'],
    createdAt: toDate(r.created_at),
    startDate: maybeDate(r.start_date),
    finishDate: maybeDate(r.finish_date),
    triggeredOn: r.triggered_on as Execution['triggeredOn'],
    trigger: { type: r.trigger as Execution['trigger']['type'], ref: r.trigger_ref, by: r.trigger_by },
    triggerKey: r.trigger_key,
    creatorId: r.creator_id,
    comment: r.comment,
    refresh: toBool(r.refresh),
    clearCache: toBool(r.clear_cache),
    priority: r.priority as Execution['priority'],
    requestedBranch: r.requested_branch,
    requestedRevision: r.requested_revision,
    revision: r.revision === null ? null : toJson(r.revision),
    variables: toJson(r.variables),
    errorMessage: r.error_message,
  };
}

function executionRow(e: NewExecution) {
  return {
    pipeline_id: e.pipelineId,
    status: e.status,
    start_date: maybeIso(e.startDate),
    finish_date: maybeIso(e.finishDate),
    triggered_on: e.triggeredOn,
    trigger: e.trigger.type,
    trigger_ref: e.trigger.ref,
    trigger_by: e.trigger.by,
    trigger_key: e.triggerKey,
    creator_id: e.creatorId,
    comment: e.comment,
    refresh: fromBool(e.refresh),
    clear_cache: fromBool(e.clearCache),
    priority: e.priority,
    requested_branch: e.requestedBranch,
    requested_revision: e.requestedRevision,
    revision: e.revision === null ? null : fromJson(e.revision),
    variables: fromJson(e.variables),
    error_message: e.errorMessage,
  };
}

function toActionExecution(r: Selectable<ActionExecutionsTable>): ActionExecution {
  return {
    id: r.id,
    hexId: r.hex_id,
    executionId: r.execution_id,
    position: r.position,
    action: toJson(r.action),
    status: r.status as ActionExecution['status'],
    progress: r.progress,
    startDate: maybeDate(r.start_date),
    finishDate: maybeDate(r.finish_date),
    errorMessage: r.error_message,
    attempts: r.attempts,
  };
}

function actionExecutionRow(a: Omit<ActionExecution, 'id' | 'executionId'>) {
  return {
    hex_id: a.hexId,
    position: a.position,
    action_id: a.action.id,
    action: fromJson(a.action),
    status: a.status,
    progress: a.progress,
    start_date: maybeIso(a.startDate),
    finish_date: maybeIso(a.finishDate),
    error_message: a.errorMessage,
    attempts: a.attempts,
  };
}

export function createExecutionRepo(ctx: RepoContext): ExecutionRepo {
  const { db } = ctx;
  const selectExecutions = () => db.selectFrom('executions').selectAll();
  const selectActions = () => db.selectFrom('action_executions').selectAll();
  return {
    create: (execution, actions) =>
      guarded(
        ctx,
        'create the execution',
        async () => {
          const row = must(
            await db
              .insertInto('executions')
              .values({ ...executionRow(execution), created_at: fromDate(new Date()) })
              .returningAll()
              .executeTakeFirst(),
            'The execution',
          );
          if (actions.length) {
            await db
              .insertInto('action_executions')
              .values(actions.map((a) => ({ ...actionExecutionRow(a), execution_id: row.id })))
              .execute();
          }
          return toExecution(row);
        },
        'This pipeline already has a run for this git event.',
      ),
    byId: (id) =>
      guarded(ctx, 'read the execution', async () => {
        const row = await selectExecutions().where('id', '=', id).executeTakeFirst();
        return row && toExecution(row);
      }),
    list: (pipelineId, page) =>
      guarded(ctx, 'list executions', async () => {
        const { limit, offset } = offsetOf(page);
        return (
          await selectExecutions()
            .where('pipeline_id', '=', pipelineId)
            .orderBy('id', 'desc')
            .limit(limit)
            .offset(offset)
            .execute()
        ).map(toExecution);
      }),
    count: (pipelineId) =>
      guarded(ctx, 'count executions', async () => {
        const row = await db
          .selectFrom('executions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('pipeline_id', '=', pipelineId)
          .executeTakeFirst();
        return Number(row?.n ?? 0);
      }),
    update: (e, expected) =>
      guarded(
        ctx,
        'update the execution',
        async () => {
          const res = await db
            .updateTable('executions')
            .set(executionRow(e))
            .where('id', '=', e.id)
            .$if(expected !== undefined, (q) => q.where('status', 'in', [...expected!]))
            .executeTakeFirst();
          return Number(res.numUpdatedRows) === 1;
        },
        'Another run of this pipeline is in progress.',
      ),
    previousFinished: (pipelineId, beforeId) =>
      guarded(ctx, 'read the previous execution', async () => {
        const row = await selectExecutions()
          .where('pipeline_id', '=', pipelineId)
          .where('id', '<', beforeId)
          .where('status', 'in', ['SUCCESSFUL', 'FAILED', 'TERMINATED'])
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirst();
        return row && toExecution(row);
      }),
    byTrigger: (pipelineId, filter, limit) =>
      guarded(ctx, 'read executions', async () =>
        (
          await selectExecutions()
            .where('pipeline_id', '=', pipelineId)
            .$if(filter.type !== undefined, (q) => q.where('trigger', '=', filter.type!))
            .$if(filter.ref !== undefined, (q) => q.where('trigger_ref', '=', filter.ref!))
            .$if(filter.statuses !== undefined, (q) => q.where('status', 'in', [...filter.statuses!]))
            .$if(filter.afterId !== undefined, (q) => q.where('id', '>', filter.afterId!))
            .orderBy('id', 'desc')
            .limit(limit)
            .execute()
        ).map(toExecution),
      ),
    oldestWithStatus: (pipelineId, statuses) =>
      guarded(ctx, 'read executions', async () => {
        const row = await selectExecutions()
          .where('pipeline_id', '=', pipelineId)
          .where('status', 'in', [...statuses])
          .orderBy('id')
          .limit(1)
          .executeTakeFirst();
        return row && toExecution(row);
      }),
    unfinished: () =>
      guarded(ctx, 'read unfinished executions', async () =>
        (await selectExecutions().where('status', 'in', ['ENQUEUED', 'INPROGRESS']).orderBy('id').execute()).map(
          toExecution,
        ),
      ),
    actionExecutions: (executionId) =>
      guarded(ctx, 'read action executions', async () =>
        (await selectActions().where('execution_id', '=', executionId).orderBy('position').execute()).map(
          toActionExecution,
        ),
      ),
    actionExecution: (id) =>
      guarded(ctx, 'read the action execution', async () => {
        const row = await selectActions().where('id', '=', id).executeTakeFirst();
        return row && toActionExecution(row);
      }),
    actionExecutionByHex: (hexId) =>
      guarded(ctx, 'read the action execution', async () => {
        const row = await selectActions().where('hex_id', '=', hexId).executeTakeFirst();
        return row && toActionExecution(row);
      }),
    updateActionExecution: (a, expected) =>
      guarded(ctx, 'update the action execution', async () => {
        const res = await db
          .updateTable('action_executions')
          .set(actionExecutionRow(a))
          .where('id', '=', a.id)
          .$if(expected !== undefined, (q) => q.where('status', 'in', [...expected!]))
          .executeTakeFirst();
        return Number(res.numUpdatedRows) === 1;
      }),
  };
}

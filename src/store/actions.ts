import { sql, type Selectable } from 'kysely';
import type { ActionRepo, NewAction } from '../app/ports.js';
import type { Action } from '../domain/action.js';
import { fromBool, fromDate, fromJson, guarded, must, offsetOf, toBool, toDate, toJson, type RepoContext } from './rows.js';
import type { ActionsTable } from './schema.js';

type StoredSettings = Omit<NewAction, 'pipelineId' | 'name' | 'type' | 'disabled'>;

function toAction(row: Selectable<ActionsTable>): Action {
  return {
    ...toJson<StoredSettings>(row.settings),
    id: row.id, pipelineId: row.pipeline_id, position: row.position, name: row.name, type: row.type as Action['type'],
    createdAt: toDate(row.created_at), disabled: toBool(row.disabled),
    lastExecutionStatus: row.last_execution_status as Action['lastExecutionStatus'], currentRevision: row.current_revision,
  };
}

function toRow(a: NewAction) {
  const { pipelineId, name, type, disabled, ...settings } = a;
  const stored: StoredSettings = settings;
  return { pipeline_id: pipelineId, name, type, disabled: fromBool(disabled), settings: fromJson(stored) };
}

function settingsOf(action: Action): NewAction {
  const { id: _id, position: _position, createdAt: _createdAt, lastExecutionStatus: _status, currentRevision: _revision, ...rest } = action;
  return rest;
}

export function createActionRepo(ctx: RepoContext): ActionRepo {
  const { db } = ctx;
  const byId = (id: number) => db.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst();
  return {
    create: (input, position) => guarded(ctx, 'add the action', async () => {
      await db.updateTable('actions').set({ position: sql`position + 1` })
        .where('pipeline_id', '=', input.pipelineId).where('position', '>=', position).execute();
      const row = await db.insertInto('actions')
        .values({ ...toRow(input), position, created_at: fromDate(new Date()), last_execution_status: 'INITIAL', current_revision: null })
        .returningAll().executeTakeFirst();
      return toAction(must(row, 'The new action'));
    }),
    byId: (pipelineId, id) => guarded(ctx, 'read the action', async () => {
      const row = await byId(id);
      return row && row.pipeline_id === pipelineId ? toAction(row) : undefined;
    }),
    find: (id) => guarded(ctx, 'read the action', async () => {
      const row = await byId(id);
      return row && toAction(row);
    }),
    list: (pipelineId, page) => guarded(ctx, 'list actions', async () => {
      const { limit, offset } = offsetOf(page);
      const rows = await db.selectFrom('actions').selectAll().where('pipeline_id', '=', pipelineId)
        .orderBy('position').limit(limit).offset(offset).execute();
      return rows.map(toAction);
    }),
    count: (pipelineId) => guarded(ctx, 'count actions', async () => {
      const row = await db.selectFrom('actions').select((eb) => eb.fn.countAll<number>().as('n')).where('pipeline_id', '=', pipelineId).executeTakeFirst();
      return Number(row?.n ?? 0);
    }),
    update: (action) => guarded(ctx, 'update the action', async () => {
      await db.updateTable('actions').set({
        ...toRow(settingsOf(action)), last_execution_status: action.lastExecutionStatus, current_revision: action.currentRevision,
      }).where('id', '=', action.id).execute();
      return toAction(must(await byId(action.id), 'The action'));
    }),
    remove: (action) => guarded(ctx, 'delete the action', async () => {
      await db.deleteFrom('actions').where('id', '=', action.id).execute();
      await db.updateTable('actions').set({ position: sql`position - 1` })
        .where('pipeline_id', '=', action.pipelineId).where('position', '>', action.position).execute();
    }),
  };
}

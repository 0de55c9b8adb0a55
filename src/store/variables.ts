import type { ExpressionBuilder, Selectable } from 'kysely';
import type { NewVariable, VariableRepo } from '../app/ports/store.js';
import type { Variable, VariableScope } from '../domain/variable.js';
import { fromBool, fromDate, guarded, must, toBool, toDate, type RepoContext } from './rows.js';
import type { Database, VariablesTable } from './schema.js';

function toVariable(row: Selectable<VariablesTable>): Variable {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    scope: { projectId: row.project_id, pipelineId: row.pipeline_id, actionId: row.action_id },
    key: row.key,
    value: row.value,
    type: row.type as Variable['type'],
    encrypted: toBool(row.encrypted),
    settable: toBool(row.settable),
    description: row.description,
    filePath: row.file_path,
    fileChmod: row.file_chmod,
    filePlace: row.file_place as Variable['filePlace'],
    createdAt: toDate(row.created_at),
  };
}

function toRow(v: NewVariable) {
  return {
    workspace_id: v.workspaceId,
    project_id: v.scope.projectId,
    pipeline_id: v.scope.pipelineId,
    action_id: v.scope.actionId,
    key: v.key,
    value: v.value,
    type: v.type,
    encrypted: fromBool(v.encrypted),
    settable: fromBool(v.settable),
    description: v.description,
    file_path: v.filePath,
    file_chmod: v.fileChmod,
    file_place: v.filePlace,
  };
}

const COLUMNS = { projectId: 'project_id', pipelineId: 'pipeline_id', actionId: 'action_id' } as const;

/** `column = id`, or `column IS NULL` for a scope part that is not set. */
function exactly(scope: VariableScope) {
  return (eb: ExpressionBuilder<Database, 'variables'>) =>
    eb.and(
      (Object.keys(COLUMNS) as Array<keyof VariableScope>).map((part) => {
        const id = scope[part];
        return id === null ? eb(COLUMNS[part], 'is', null) : eb(COLUMNS[part], '=', id);
      }),
    );
}

/** Each part of the row's scope is unset or equal to the given one: the scope itself and its ancestors. */
function enclosing(scope: VariableScope) {
  return (eb: ExpressionBuilder<Database, 'variables'>) =>
    eb.and(
      (Object.keys(COLUMNS) as Array<keyof VariableScope>).map((part) => {
        const id = scope[part];
        return id === null
          ? eb(COLUMNS[part], 'is', null)
          : eb.or([eb(COLUMNS[part], 'is', null), eb(COLUMNS[part], '=', id)]);
      }),
    );
}

export function createVariableRepo(ctx: RepoContext): VariableRepo {
  const { db } = ctx;
  const conflict = (key: string) =>
    `A variable "${key}" already exists at this scope; change that one or pick another "key".`;
  const read = (id: number) => db.selectFrom('variables').selectAll().where('id', '=', id).executeTakeFirst();
  return {
    create: (input) =>
      guarded(
        ctx,
        'add the variable',
        async () => {
          const row = await db
            .insertInto('variables')
            .values({ ...toRow(input), created_at: fromDate(new Date()) })
            .returningAll()
            .executeTakeFirst();
          return toVariable(must(row, 'The new variable'));
        },
        conflict(input.key),
      ),
    byId: (workspaceId, id) =>
      guarded(ctx, 'read the variable', async () => {
        const row = await read(id);
        return row && row.workspace_id === workspaceId ? toVariable(row) : undefined;
      }),
    list: (workspaceId, scope) =>
      guarded(ctx, 'list variables', async () => {
        const rows = await db
          .selectFrom('variables')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .where(exactly(scope))
          .orderBy('id')
          .execute();
        return rows.map(toVariable);
      }),
    inForce: (workspaceId, scope) =>
      guarded(ctx, 'read the variables in force', async () => {
        const rows = await db
          .selectFrom('variables')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .where(enclosing(scope))
          .orderBy('id')
          .execute();
        return rows.map(toVariable);
      }),
    update: (variable) =>
      guarded(
        ctx,
        'update the variable',
        async () => {
          await db.updateTable('variables').set(toRow(variable)).where('id', '=', variable.id).execute();
          return toVariable(must(await read(variable.id), 'The variable'));
        },
        conflict(variable.key),
      ),
    remove: (id) =>
      guarded(ctx, 'delete the variable', async () => {
        await db.deleteFrom('variables').where('id', '=', id).execute();
      }),
  };
}

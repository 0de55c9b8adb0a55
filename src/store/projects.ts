import type { Selectable } from 'kysely';
import type { NewProject, ProjectRepo } from '../app/ports/store.js';
import type { Project } from '../domain/project.js';
import { fromDate, fromJson, guarded, must, offsetOf, toDate, toJson, type RepoContext } from './rows.js';
import type { ProjectsTable } from './schema.js';

type ProjectOptions = Pick<
  Project,
  | 'withoutRepository'
  | 'fetchSubmodules'
  | 'fetchSubmodulesEnvKey'
  | 'allowPullRequests'
  | 'updateDefaultBranchFromExternal'
  | 'webhookSecretSealed'
>;

export function toProject(row: Selectable<ProjectsTable>): Project {
  const options = toJson<ProjectOptions>(row.settings);
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    displayName: row.display_name,
    status: row.status as Project['status'],
    access: row.access as Project['access'],
    createdAt: toDate(row.created_at),
    createdById: row.created_by,
    repository: {
      url: row.repo_url,
      user: row.repo_user,
      passwordEncrypted: row.repo_password,
      defaultBranch: row.default_branch,
    },
    ...options,
    webhookSecretSealed: options.webhookSecretSealed ?? null, // settings written before webhooks had none
  };
}

function toRow(p: NewProject) {
  const options: ProjectOptions = {
    withoutRepository: p.withoutRepository,
    fetchSubmodules: p.fetchSubmodules,
    fetchSubmodulesEnvKey: p.fetchSubmodulesEnvKey,
    allowPullRequests: p.allowPullRequests,
    updateDefaultBranchFromExternal: p.updateDefaultBranchFromExternal,
    webhookSecretSealed: p.webhookSecretSealed,
  };
  return {
    workspace_id: p.workspaceId,
    name: p.name,
    display_name: p.displayName,
    status: p.status,
    access: p.access,
    created_by: p.createdById,
    repo_url: p.repository.url,
    repo_user: p.repository.user,
    repo_password: p.repository.passwordEncrypted,
    default_branch: p.repository.defaultBranch,
    settings: fromJson(options),
  };
}

const SORT_COLUMNS = { name: 'name', create_date: 'created_at', repository_size: 'id' } as const;

export function createProjectRepo(ctx: RepoContext): ProjectRepo {
  const { db } = ctx;
  const conflict = 'A project with this name already exists in the workspace.';
  return {
    create: (input) =>
      guarded(
        ctx,
        'create the project',
        async () => {
          const row = await db
            .insertInto('projects')
            .values({ ...toRow(input), created_at: fromDate(new Date()) })
            .returningAll()
            .executeTakeFirst();
          return toProject(must(row, 'The new project'));
        },
        conflict,
      ),
    byName: (workspaceId, name) =>
      guarded(ctx, 'read the project', async () => {
        const row = await db
          .selectFrom('projects')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .where('name', '=', name)
          .executeTakeFirst();
        return row && toProject(row);
      }),
    find: (id) =>
      guarded(ctx, 'read the project', async () => {
        const row = await db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
        return row && toProject(row);
      }),
    list: (filter, page) =>
      guarded(ctx, 'list projects', async () => {
        const column = SORT_COLUMNS[(page.sortBy ?? '') as keyof typeof SORT_COLUMNS] ?? 'id';
        let query = db
          .selectFrom('projects')
          .selectAll()
          .where('workspace_id', '=', filter.workspaceId)
          .orderBy(column, page.sortDirection === 'DESC' ? 'desc' : 'asc')
          .orderBy('id');
        if (filter.status) query = query.where('status', '=', filter.status);
        const { limit, offset } = offsetOf(page);
        return (await query.limit(limit).offset(offset).execute()).map(toProject);
      }),
    update: (project) =>
      guarded(
        ctx,
        'update the project',
        async () => {
          await db.updateTable('projects').set(toRow(project)).where('id', '=', project.id).execute();
          const row = await db.selectFrom('projects').selectAll().where('id', '=', project.id).executeTakeFirst();
          return toProject(must(row, 'The project'));
        },
        conflict,
      ),
    remove: (id) =>
      guarded(ctx, 'delete the project', async () => {
        await db.deleteFrom('projects').where('id', '=', id).execute();
      }),
  };
}

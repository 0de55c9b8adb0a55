import type { Kysely } from 'kysely';
import type { DialectAdapter } from '../dialect.js';

/** Users, tokens, workspaces, projects, pipelines and actions. */
export async function up(db: Kysely<unknown>, dialect: DialectAdapter): Promise<void> {
  const id = (c: any) => {
    const key = c.primaryKey();
    return dialect.autoIdNeedsAutoIncrement ? key.autoIncrement() : key;
  };
  await db.schema
    .createTable('users')
    .addColumn('id', dialect.autoIdType, id)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('workspace_restrictions', 'text', (c) => c.notNull())
    .addColumn('ip_restrictions', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('workspaces')
    .addColumn('id', dialect.autoIdType, id)
    .addColumn('domain', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('frozen', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('projects')
    .addColumn('id', dialect.autoIdType, id)
    .addColumn('workspace_id', 'integer', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('access', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer', (c) => c.notNull())
    .addColumn('repo_url', 'text')
    .addColumn('repo_user', 'text')
    .addColumn('repo_password', 'text')
    .addColumn('default_branch', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addUniqueConstraint('projects_workspace_name', ['workspace_id', 'name'])
    .execute();

  await db.schema
    .createTable('pipelines')
    .addColumn('id', dialect.autoIdType, id)
    .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('identifier', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('creator_id', 'integer', (c) => c.notNull())
    .addColumn('cache_scope', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('triggers', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('last_execution_status', 'text', (c) => c.notNull())
    .addColumn('last_execution_revision', 'text')
    .addUniqueConstraint('pipelines_project_identifier', ['project_id', 'identifier'])
    .execute();

  await db.schema
    .createTable('actions')
    .addColumn('id', dialect.autoIdType, id)
    .addColumn('pipeline_id', 'integer', (c) => c.notNull().references('pipelines.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('last_execution_status', 'text', (c) => c.notNull())
    .addColumn('current_revision', 'text')
    .execute();
  await db.schema.createIndex('actions_pipeline_position').on('actions').columns(['pipeline_id', 'position']).execute();
}

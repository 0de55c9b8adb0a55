import { sql, type Kysely } from 'kysely';
import type { DialectAdapter } from '../dialect.js';

/**
 * Workspace / project / pipeline / action variables. A key is unique per scope; the scope columns are nullable,
 * and NULLs never clash in a unique index, hence the index over COALESCE(..., 0) (both dialects support it).
 * Removing a workspace, project, pipeline or action removes its variables.
 */
export async function up(db: Kysely<unknown>, dialect: DialectAdapter): Promise<void> {
  const id = (c: any) => (dialect.autoIdNeedsAutoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey());
  await db.schema
    .createTable('variables')
    .addColumn('id', dialect.autoIdType, id)
    .addColumn('workspace_id', 'integer', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('project_id', 'integer', (c) => c.references('projects.id').onDelete('cascade'))
    .addColumn('pipeline_id', 'integer', (c) => c.references('pipelines.id').onDelete('cascade'))
    .addColumn('action_id', 'integer', (c) => c.references('actions.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('encrypted', 'integer', (c) => c.notNull())
    .addColumn('settable', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('file_path', 'text')
    .addColumn('file_chmod', 'text')
    .addColumn('file_place', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await sql`CREATE UNIQUE INDEX variables_scope_key ON variables
    (workspace_id, COALESCE(project_id, 0), COALESCE(pipeline_id, 0), COALESCE(action_id, 0), key)`.execute(db);
}

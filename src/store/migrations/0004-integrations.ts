import type { Kysely } from 'kysely';
import type { DialectAdapter } from '../dialect.js';

/**
 * Workspace integrations (registry credentials). `hash_id` is the key clients use; `identifier` is unique per
 * workspace. `secret` holds only ciphertext of the Secrets port. Removing the workspace, or the project of a
 * PROJECT-scoped integration, removes the integration.
 */
export async function up(db: Kysely<unknown>, dialect: DialectAdapter): Promise<void> {
  const id = (c: any) => (dialect.autoIdNeedsAutoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey());
  await db.schema
    .createTable('integrations')
    .addColumn('id', dialect.autoIdType, id)
    .addColumn('hash_id', 'text', (c) => c.notNull().unique())
    .addColumn('workspace_id', 'integer', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('project_id', 'integer', (c) => c.references('projects.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('identifier', 'text', (c) => c.notNull())
    .addColumn('auth_type', 'text', (c) => c.notNull())
    .addColumn('all_pipelines_allowed', 'integer', (c) => c.notNull())
    .addColumn('allowed_pipelines', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('integrations_workspace_identifier', ['workspace_id', 'identifier'])
    .execute();
}

import type { Kysely } from 'kysely';

/**
 * Agents get an owner: the workspaces whose jobs they may claim (a JSON array of workspace ids), or null for a
 * global agent (registered by an unrestricted token). Agents registered before this are global, as they were.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('workspace_ids', 'text').execute();
}

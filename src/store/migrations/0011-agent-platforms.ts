import type { Kysely } from 'kysely';

/**
 * Agents say what they run: the platform of their machine and the platforms they report as native (the host's, or
 * ARCHWAY_AGENT_PLATFORMS) and as emulated (JSON arrays). All null until the agent's first hello, as for agents
 * registered before this. One column a statement: SQLite adds one column per ALTER TABLE.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('host_platform', 'text').execute();
  await db.schema.alterTable('agents').addColumn('native_platforms', 'text').execute();
  await db.schema.alterTable('agents').addColumn('emulated_platforms', 'text').execute();
}

import type { Kysely } from 'kysely';

/**
 * When the agent of a job's current attempt first reported (a heartbeat or a log batch): a job whose lease ends
 * before that was never started, and goes back to the queue instead of failing as "agent lost".
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('started_at', 'text').execute();
}

import type { Kysely } from 'kysely';

/**
 * Per attempt of a job: when its agent first reported (a heartbeat or a log batch; a job whose lease ends before
 * that was never started, and goes back to the queue instead of failing as "agent lost"), and how many lines the
 * action execution's log held when it was claimed (the agent counts its lines from 0, a retry's included).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('started_at', 'text').execute();
  await db.schema
    .alterTable('jobs')
    .addColumn('log_base', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

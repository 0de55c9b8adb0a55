import { sql, type Kysely } from 'kysely';

/**
 * Invariants the database keeps whoever writes (any replica, any crash): at most one INPROGRESS execution per
 * pipeline (runs of a pipeline never overlap), and at most one live (QUEUED or RUNNING) job per action execution
 * (no action is built twice). Partial unique indexes: the same SQL on SQLite and PostgreSQL. A second INPROGRESS
 * run or live job is a unique violation, which the store reports as ConflictError and the orchestrator reads as
 * "someone else made this step".
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('executions_one_inprogress_per_pipeline')
    .on('executions')
    .column('pipeline_id')
    .unique()
    .where(sql.ref('status'), '=', 'INPROGRESS')
    .execute();
  await db.schema
    .createIndex('jobs_one_live_per_action_execution')
    .on('jobs')
    .column('action_execution_id')
    .unique()
    .where(sql.ref('state'), 'in', ['QUEUED', 'RUNNING'])
    .execute();
}

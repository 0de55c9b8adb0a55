import { sql, type Kysely } from 'kysely';

/**
 * Triggers. Executions say what started them (`trigger`: MANUAL, PUSH, SCHEDULE, WEBHOOK; the ref and who, as
 * known) and, for a git event, which one (`trigger_key`: the ref and the sha it moved to): a pipeline runs at most
 * once per event, whichever replica saw it, by poll or by webhook, however often (a unique index). `schedules` holds each SCHEDULE event's next tick: a replica fires a tick by moving `next_at` with a
 * compare-and-set in the transaction that creates the run, so each tick runs once whoever sees it. `git_polls`
 * says when a project's refs are next read (claimed the same way, so two replicas do not both run `git ls-remote`)
 * and `git_refs` what they were (a moved ref is claimed by a compare-and-set on its sha). Pipelines keep their
 * webhook trigger's token sealed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('executions')
    .addColumn('trigger', 'text', (c) => c.notNull().defaultTo('MANUAL'))
    .execute();
  await db.schema.alterTable('executions').addColumn('trigger_ref', 'text').execute();
  await db.schema.alterTable('executions').addColumn('trigger_by', 'text').execute();
  await db.schema.alterTable('executions').addColumn('trigger_key', 'text').execute();
  await db.schema
    .createIndex('executions_one_per_trigger_event')
    .on('executions')
    .columns(['pipeline_id', 'trigger_key'])
    .unique()
    .where(sql.ref('trigger_key'), 'is not', null)
    .execute();
  await db.schema.alterTable('pipelines').addColumn('webhook_token', 'text').execute();
  await db.schema
    .createTable('schedules')
    .addColumn('pipeline_id', 'integer', (c) => c.notNull().references('pipelines.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('next_at', 'text')
    .addColumn('paused_reason', 'text')
    // The newest run of the pipeline when the schedule last resumed: its failures in a row are counted after it.
    .addColumn('failures_after', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('schedules_pk', ['pipeline_id', 'key'])
    .execute();
  await db.schema.createIndex('schedules_next_at').on('schedules').column('next_at').execute();
  await db.schema
    .createTable('git_polls')
    .addColumn('project_id', 'integer', (c) => c.primaryKey().references('projects.id').onDelete('cascade'))
    .addColumn('next_poll_at', 'text', (c) => c.notNull())
    .addColumn('recorded', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('git_refs')
    .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('sha', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('git_refs_pk', ['project_id', 'ref'])
    .execute();
}

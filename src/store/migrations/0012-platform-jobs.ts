import { sql, type Kysely } from 'kysely';

/**
 * A build fanned out over agents (issue 14): an action execution's jobs are then one PLATFORM job per target
 * platform and one INDEX job after them, instead of its one BUILD job. `kind` and `platform` say which part a job
 * is; `outcome`, `error` and `result` keep how a DONE job ended and, for a PLATFORM job, the image it pushed by
 * digest (what the INDEX job lists); `inputs` is a digest of what a PLATFORM job builds (revision, settings,
 * platform), so a retry reuses an image only when nothing it was built from changed; `cache_key` the MIN cache a
 * PLATFORM job warms on its agent (routing prefers that agent next time); `log_received` counts the lines an attempt sent, since parts
 * running side by side append to one log at its end. The one-live-job invariant becomes one live job per part:
 * the same partial unique index over (action execution, kind, platform), in the same SQL on both dialects.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('jobs')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('BUILD'))
    .execute();
  await db.schema.alterTable('jobs').addColumn('platform', 'text').execute();
  await db.schema
    .alterTable('jobs')
    .addColumn('log_received', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('jobs').addColumn('outcome', 'text').execute();
  await db.schema.alterTable('jobs').addColumn('result', 'text').execute();
  await db.schema.alterTable('jobs').addColumn('error', 'text').execute();
  await db.schema.alterTable('jobs').addColumn('inputs', 'text').execute();
  await db.schema.alterTable('jobs').addColumn('cache_key', 'text').execute();
  await db.schema.dropIndex('jobs_one_live_per_action_execution').execute();
  // The claim's "which agent has this platform's MIN store warm": one probe per platform job it looks at.
  await sql`create index jobs_warm_agent on jobs (cache_key, platform, id) where kind = 'PLATFORM' and outcome = 'SUCCESSFUL'`.execute(
    db,
  );
  await sql`create unique index jobs_one_live_per_part on jobs (action_execution_id, kind, coalesce(platform, '')) where state in ('QUEUED', 'RUNNING')`.execute(
    db,
  );
}

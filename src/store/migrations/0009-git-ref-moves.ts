import { sql, type Kysely } from 'kysely';

/**
 * A git event is one move of a ref, not the sha it reached. 0008 keyed a push's run on `<ref> <sha>`, unique per
 * pipeline for its whole life, so a real repeat ran nothing: a branch force-pushed back to a sha it once had, or
 * deleted, recreated at the same sha and deleted again. `git_refs` now counts each ref's moves (`moves`), and the
 * key of a run names the move (`<ref> #<move> <sha|deleted>`): two observers of one move (two replicas, a poll and
 * a webhook, a replayed webhook, a poll retried after a crash before it recorded the move) make the same key, a
 * later move a new one. A deleted ref keeps its row with a null `sha`, so its count goes on if it is recreated.
 * The table is rebuilt (SQLite cannot drop a NOT NULL); the same statements on both dialects.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('git_ref_moves')
    .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('sha', 'text')
    .addColumn('moves', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('git_ref_moves_pk', ['project_id', 'ref'])
    .execute();
  // Recorded refs count as moved once; keys made under 0008 (`<ref> <sha>`) cannot equal a new one.
  await sql`insert into git_ref_moves (project_id, ref, sha, moves) select project_id, ref, sha, 1 from git_refs`.execute(
    db,
  );
  await db.schema.dropTable('git_refs').execute();
  await db.schema.alterTable('git_ref_moves').renameTo('git_refs').execute();
}

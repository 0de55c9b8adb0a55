import type { Kysely } from 'kysely';
import type { DialectAdapter } from '../dialect.js';

/** Executions, their action executions, the job queue, log lines and agents. */
export async function up(db: Kysely<unknown>, dialect: DialectAdapter): Promise<void> {
  const id = (c: any) => (dialect.autoIdNeedsAutoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey());
  await db.schema
    .createTable('executions')
    .addColumn('id', dialect.autoIdType, id)
    .addColumn('pipeline_id', 'integer', (c) => c.notNull().references('pipelines.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('start_date', 'text')
    .addColumn('finish_date', 'text')
    .addColumn('triggered_on', 'text', (c) => c.notNull())
    .addColumn('creator_id', 'integer', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('refresh', 'integer', (c) => c.notNull())
    .addColumn('clear_cache', 'integer', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('requested_branch', 'text')
    .addColumn('requested_revision', 'text')
    .addColumn('revision', 'text')
    .addColumn('variables', 'text', (c) => c.notNull())
    .addColumn('error_message', 'text')
    .execute();
  await db.schema.createIndex('executions_pipeline').on('executions').columns(['pipeline_id', 'id']).execute();

  await db.schema
    .createTable('action_executions')
    .addColumn('id', dialect.autoIdType, id)
    .addColumn('hex_id', 'text', (c) => c.notNull().unique())
    .addColumn('execution_id', 'integer', (c) => c.notNull().references('executions.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('action_id', 'integer', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('progress', 'integer', (c) => c.notNull())
    .addColumn('start_date', 'text')
    .addColumn('finish_date', 'text')
    .addColumn('error_message', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('action_executions_execution')
    .on('action_executions')
    .columns(['execution_id', 'position'])
    .execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', dialect.autoIdType, id)
    .addColumn('action_execution_id', 'integer', (c) =>
      c.notNull().references('action_executions.id').onDelete('cascade'),
    )
    .addColumn('execution_id', 'integer', (c) => c.notNull())
    .addColumn('pipeline_id', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('not_before', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('cancel_requested', 'integer', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_state').on('jobs').columns(['state', 'priority', 'id']).execute();

  await db.schema
    .createTable('log_lines')
    .addColumn('action_execution_id', 'integer', (c) =>
      c.notNull().references('action_executions.id').onDelete('cascade'),
    )
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('line', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('log_lines_pk', ['action_execution_id', 'seq'])
    .execute();

  await db.schema
    .createTable('agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text')
    .execute();
}

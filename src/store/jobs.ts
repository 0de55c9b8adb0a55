import { sql, type Selectable } from 'kysely';
import type { PlatformImage } from '../app/ports/engine.js';
import type { Job, JobKind, JobOutcomeStatus, JobRepo } from '../app/ports/job-queue.js';
import type { Platform } from '../domain/platform.js';
import { fromBool, fromDate, guarded, must, toBool, toDate, type RepoContext } from './rows.js';
import type { JobsTable } from './schema.js';

function toJob(r: Selectable<JobsTable>): Job {
  return {
    id: r.id,
    actionExecutionId: r.action_execution_id,
    executionId: r.execution_id,
    pipelineId: r.pipeline_id,
    state: r.state as Job['state'],
    attempt: r.attempt,
    priority: r.priority,
    notBefore: toDate(r.not_before),
    agentId: r.agent_id,
    leaseUntil: r.lease_until === null ? null : toDate(r.lease_until),
    startedAt: r.started_at === null ? null : toDate(r.started_at),
    logBase: r.log_base,
    cancelRequested: toBool(r.cancel_requested),
    spec: r.spec,
    createdAt: toDate(r.created_at),
    kind: r.kind as JobKind,
    platform: r.platform as Platform | null,
    logReceived: r.log_received,
    outcome: r.outcome as JobOutcomeStatus | null,
    result: r.result === null ? null : (JSON.parse(r.result) as PlatformImage),
    error: r.error,
    inputs: r.inputs,
    cacheKey: r.cache_key,
  };
}

/**
 * Runnable jobs a claim looks at: enough to pass over the platform jobs routing leaves to other agents (it takes
 * the first it may of them, so a deeper queue only costs the claims that find nothing).
 */
const CANDIDATES = 50;

/** Job rows; `claim` takes a job by compare-and-set, safe with or without a transaction. */
export function createJobRepo(ctx: RepoContext): JobRepo {
  const { db, dialect } = ctx;
  const byId = async (id: number) => {
    const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toJob(row);
  };
  /** The pipelines of the workspaces an agent serves. */
  const scopedTo = (workspaceIds: readonly number[]) =>
    db
      .selectFrom('pipelines')
      .innerJoin('projects', 'projects.id', 'pipelines.project_id')
      .select('pipelines.id')
      .where('projects.workspace_id', 'in', workspaceIds.length > 0 ? workspaceIds : [0]);
  /** A claim's writes: the next attempt under a lease, its log base, no lines received yet. */
  const claimed = (agentId: string, leaseUntil: Date) => ({
    state: 'RUNNING',
    agent_id: agentId,
    lease_until: fromDate(leaseUntil),
    started_at: null,
    attempt: sql<number>`attempt + 1`,
    log_base: sql<number>`(select coalesce(max(seq) + 1, 0) from log_lines where log_lines.action_execution_id = jobs.action_execution_id)`,
    log_received: 0,
  });
  return {
    enqueue: (job) =>
      guarded(
        ctx,
        'queue the job',
        async () => {
          const row = await db
            .insertInto('jobs')
            .values({
              action_execution_id: job.actionExecutionId,
              execution_id: job.executionId,
              pipeline_id: job.pipelineId,
              state: 'QUEUED',
              attempt: 0,
              priority: job.priority,
              not_before: fromDate(job.notBefore),
              agent_id: null,
              lease_until: null,
              started_at: null,
              cancel_requested: 0,
              spec: job.spec,
              created_at: fromDate(new Date()),
              kind: job.kind ?? 'BUILD',
              platform: job.platform ?? null,
              outcome: null,
              result: null,
              error: null,
              inputs: job.inputs ?? null,
              cache_key: job.cacheKey ?? null,
            })
            .returningAll()
            .executeTakeFirst();
          return toJob(must(row, 'The job'));
        },
        'This action execution already has a job queued or running.',
      ),
    claim: (agentId, now, leaseUntil, workspaceIds = null, accept = () => true) =>
      guarded(ctx, 'claim a job', async () => {
        if (workspaceIds?.length === 0) return undefined;
        const candidates = await db
          .selectFrom('jobs')
          .selectAll()
          .where('state', '=', 'QUEUED')
          .where('not_before', '<=', fromDate(now))
          .$if(workspaceIds !== null, (q) => q.where('pipeline_id', 'in', scopedTo(workspaceIds ?? [])))
          .orderBy('priority', 'desc')
          .orderBy('id')
          .limit(CANDIDATES)
          .execute();
        for (const candidate of candidates.map(toJob)) {
          if (!(await accept(candidate))) continue;
          // Compare-and-set on QUEUED: of two claimers, one takes it and the other goes on to the next.
          const row = await db
            .updateTable('jobs')
            .set(claimed(agentId, leaseUntil))
            .where('id', '=', candidate.id)
            .where('state', '=', 'QUEUED')
            .returningAll()
            .executeTakeFirst();
          if (row) return toJob(row);
        }
        return undefined;
      }),
    byId: (id) => guarded(ctx, 'read the job', () => byId(id)),
    lockRunning: (id, attempt) =>
      guarded(ctx, 'lock the job', async () => {
        const query = db
          .selectFrom('jobs')
          .selectAll()
          .where('id', '=', id)
          .where('attempt', '=', attempt)
          .where('state', '=', 'RUNNING');
        const row = await (dialect.rowLocks ? query.forUpdate() : query).executeTakeFirst();
        return row && toJob(row);
      }),
    live: (actionExecutionId) =>
      guarded(ctx, 'read the job', async () => {
        const row = await db
          .selectFrom('jobs')
          .selectAll()
          .where('action_execution_id', '=', actionExecutionId)
          .where('state', 'in', ['QUEUED', 'RUNNING'])
          .executeTakeFirst();
        return row && toJob(row);
      }),
    renew: (id, attempt, leaseUntil, now) =>
      guarded(ctx, 'renew the job lease', async () => {
        const res = await db
          .updateTable('jobs')
          .set({ lease_until: fromDate(leaseUntil), started_at: sql`coalesce(started_at, ${fromDate(now)})` })
          .where('id', '=', id)
          .where('attempt', '=', attempt)
          .where('state', '=', 'RUNNING')
          .executeTakeFirst();
        return Number(res.numUpdatedRows) === 1 ? byId(id) : undefined;
      }),
    markStarted: (id, attempt, now) =>
      guarded(ctx, 'mark the job started', async () => {
        await db
          .updateTable('jobs')
          .set({ started_at: fromDate(now) })
          .where('id', '=', id)
          .where('attempt', '=', attempt)
          .where('state', '=', 'RUNNING')
          .where('started_at', 'is', null)
          .execute();
      }),
    release: (id, attempt) =>
      guarded(ctx, 'put the job back in the queue', async () => {
        const res = await db
          .updateTable('jobs')
          .set({ state: 'QUEUED', agent_id: null, lease_until: null, started_at: null })
          .where('id', '=', id)
          .where('attempt', '=', attempt)
          .where('state', '=', 'RUNNING')
          .executeTakeFirst();
        return Number(res.numUpdatedRows) === 1;
      }),
    finish: (id, attempt, end) =>
      guarded(ctx, 'finish the job', async () => {
        // The spec holds opened secrets: it goes as soon as the job is done.
        const res = await db
          .updateTable('jobs')
          .set({
            state: 'DONE',
            lease_until: null,
            spec: '',
            outcome: end?.outcome ?? null,
            error: end?.error ?? null,
            result: end?.result ? JSON.stringify(end.result) : null,
          })
          .where('id', '=', id)
          .where('attempt', '=', attempt)
          .where('state', '=', 'RUNNING')
          .executeTakeFirst();
        return Number(res.numUpdatedRows) === 1;
      }),
    addReceived: (id, attempt, lines) =>
      guarded(ctx, 'count the lines received', async () => {
        await db
          .updateTable('jobs')
          .set({ log_received: sql`log_received + ${lines}` })
          .where('id', '=', id)
          .where('attempt', '=', attempt)
          .where('state', '=', 'RUNNING')
          .execute();
      }),
    warmAgent: (cacheKey, platform) =>
      guarded(ctx, 'find the warm agent', async () => {
        const row = await db
          .selectFrom('jobs')
          .select('agent_id')
          .where('cache_key', '=', cacheKey)
          .where('platform', '=', platform)
          .where('kind', '=', 'PLATFORM')
          .where('outcome', '=', 'SUCCESSFUL')
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirst();
        return row?.agent_id ?? null;
      }),
    ofActionExecution: (actionExecutionId) =>
      guarded(ctx, 'read the jobs', async () =>
        (
          await db
            .selectFrom('jobs')
            .selectAll()
            .where('action_execution_id', '=', actionExecutionId)
            .orderBy('id')
            .execute()
        ).map(toJob),
      ),
    requestCancel: (executionId) =>
      guarded(ctx, 'cancel jobs', async () => {
        await db
          .updateTable('jobs')
          .set({ cancel_requested: fromBool(true) })
          .where('execution_id', '=', executionId)
          .where('state', '!=', 'DONE')
          .execute();
      }),
    cancelParts: (actionExecutionId, error) =>
      guarded(ctx, 'cancel the other parts', async () => {
        await db
          .updateTable('jobs')
          .set({ cancel_requested: fromBool(true) })
          .where('action_execution_id', '=', actionExecutionId)
          .where('state', '=', 'RUNNING')
          .execute();
        await db
          .updateTable('jobs')
          .set({ state: 'DONE', spec: '', outcome: 'TERMINATED', error })
          .where('action_execution_id', '=', actionExecutionId)
          .where('state', '=', 'QUEUED')
          .execute();
      }),
    dropQueued: (executionId) =>
      guarded(ctx, 'drop queued jobs', async () => {
        const rows = await db
          .selectFrom('jobs')
          .select('action_execution_id')
          .where('execution_id', '=', executionId)
          .where('state', '=', 'QUEUED')
          .execute();
        await db
          .updateTable('jobs')
          .set({ state: 'DONE', spec: '' })
          .where('execution_id', '=', executionId)
          .where('state', '=', 'QUEUED')
          .execute();
        return rows.map((r) => r.action_execution_id);
      }),
    expired: (now) =>
      guarded(ctx, 'find expired jobs', async () =>
        (
          await db
            .selectFrom('jobs')
            .selectAll()
            .where('state', '=', 'RUNNING')
            .where('lease_until', '<', fromDate(now))
            .execute()
        ).map(toJob),
      ),
  };
}

import type { GitRefRepo, ScheduleRepo, ScheduleState } from '../app/ports/trigger-repo.js';
import { fromBool, fromDate, guarded, toBool, toDate, type RepoContext } from './rows.js';

const maybeDate = (v: string | null) => (v === null ? null : toDate(v));

export function createScheduleRepo(ctx: RepoContext): ScheduleRepo {
  const { db } = ctx;
  const toState = (r: {
    pipeline_id: number;
    key: string;
    next_at: string | null;
    paused_reason: string | null;
    failures_after: number;
  }) =>
    ({
      pipelineId: r.pipeline_id,
      key: r.key,
      nextAt: maybeDate(r.next_at),
      pausedReason: r.paused_reason,
      failuresAfter: r.failures_after,
    }) satisfies ScheduleState;
  return {
    forPipeline: (pipelineId) =>
      guarded(ctx, 'read schedules', async () =>
        (
          await db.selectFrom('schedules').selectAll().where('pipeline_id', '=', pipelineId).orderBy('key').execute()
        ).map(toState),
      ),
    sync: (pipelineId, wanted, resumeAfter) =>
      guarded(ctx, 'write schedules', async () => {
        const keys = wanted.map((w) => w.key);
        let removal = db.deleteFrom('schedules').where('pipeline_id', '=', pipelineId);
        if (keys.length) removal = removal.where('key', 'not in', keys);
        await removal.execute();
        for (const w of wanted)
          await db
            .insertInto('schedules')
            .values({
              pipeline_id: pipelineId,
              key: w.key,
              next_at: w.nextAt && fromDate(w.nextAt),
              paused_reason: null,
            })
            .onConflict((oc) => oc.columns(['pipeline_id', 'key']).doNothing())
            .execute();
        // A paused schedule resumes at its next tick after now: the ticks it slept through are not caught up.
        if (resumeAfter !== null)
          for (const w of wanted)
            await db
              .updateTable('schedules')
              .set({ paused_reason: null, next_at: w.nextAt && fromDate(w.nextAt), failures_after: resumeAfter })
              .where('pipeline_id', '=', pipelineId)
              .where('key', '=', w.key)
              .where('paused_reason', 'is not', null)
              .execute();
      }),
    due: (now, limit) =>
      guarded(ctx, 'read due schedules', async () =>
        (
          await db
            .selectFrom('schedules')
            .selectAll()
            .where('next_at', '<=', fromDate(now))
            .where('paused_reason', 'is', null)
            .orderBy('next_at')
            .limit(limit)
            .execute()
        ).map(toState),
      ),
    advance: (pipelineId, key, from, to) =>
      guarded(ctx, 'move a schedule', async () => {
        const res = await db
          .updateTable('schedules')
          .set({ next_at: to && fromDate(to) })
          .where('pipeline_id', '=', pipelineId)
          .where('key', '=', key)
          .where('next_at', '=', fromDate(from))
          .executeTakeFirst();
        return Number(res.numUpdatedRows) === 1;
      }),
    pause: (pipelineId, key, reason) =>
      guarded(ctx, 'pause a schedule', async () => {
        await db
          .updateTable('schedules')
          .set({ paused_reason: reason })
          .where('pipeline_id', '=', pipelineId)
          .where('key', '=', key)
          .execute();
      }),
  };
}

export function createGitRefRepo(ctx: RepoContext): GitRefRepo {
  const { db } = ctx;
  const toPoll = (r: { project_id: number; next_poll_at: string; recorded: number }) => ({
    projectId: r.project_id,
    nextPollAt: toDate(r.next_poll_at),
    recorded: toBool(r.recorded),
  });
  return {
    ensurePoll: (projectId, firstAt) =>
      guarded(ctx, 'add a git poll', async () => {
        await db
          .insertInto('git_polls')
          .values({ project_id: projectId, next_poll_at: fromDate(firstAt), recorded: fromBool(false) })
          .onConflict((oc) => oc.column('project_id').doNothing())
          .execute();
      }),
    removePoll: (projectId) =>
      guarded(ctx, 'remove a git poll', async () => {
        await db.deleteFrom('git_polls').where('project_id', '=', projectId).execute();
      }),
    polls: () =>
      guarded(ctx, 'read git polls', async () => (await db.selectFrom('git_polls').selectAll().execute()).map(toPoll)),
    pollOf: (projectId) =>
      guarded(ctx, 'read a git poll', async () => {
        const row = await db.selectFrom('git_polls').selectAll().where('project_id', '=', projectId).executeTakeFirst();
        return row && toPoll(row);
      }),
    duePolls: (now, limit) =>
      guarded(ctx, 'read due git polls', async () =>
        (
          await db
            .selectFrom('git_polls')
            .selectAll()
            .where('next_poll_at', '<=', fromDate(now))
            .orderBy('next_poll_at')
            .limit(limit)
            .execute()
        ).map(toPoll),
      ),
    claimPoll: (projectId, from, next) =>
      guarded(ctx, 'claim a git poll', async () => {
        const res = await db
          .updateTable('git_polls')
          .set({ next_poll_at: fromDate(next) })
          .where('project_id', '=', projectId)
          .where('next_poll_at', '=', fromDate(from))
          .executeTakeFirst();
        return Number(res.numUpdatedRows) === 1;
      }),
    markRecorded: (projectId) =>
      guarded(ctx, 'record a git poll', async () => {
        const res = await db
          .updateTable('git_polls')
          .set({ recorded: fromBool(true) })
          .where('project_id', '=', projectId)
          .where('recorded', '=', fromBool(false))
          .executeTakeFirst();
        return Number(res.numUpdatedRows) === 1;
      }),
    refs: (projectId) =>
      guarded(ctx, 'read git refs', async () => {
        const rows = await db
          .selectFrom('git_refs')
          .select(['ref', 'sha', 'moves'])
          .where('project_id', '=', projectId)
          .execute();
        return new Map(rows.map((r) => [r.ref, { sha: r.sha, moves: r.moves }]));
      }),
    moveRef: (projectId, ref, fromMoves, to) =>
      guarded(ctx, 'move a git ref', async () => {
        // One statement for a first sight (insert) and a later move (update where the count is still `fromMoves`).
        const res = await db
          .insertInto('git_refs')
          .values({ project_id: projectId, ref, sha: to, moves: fromMoves + 1 })
          .onConflict((oc) =>
            oc
              .columns(['project_id', 'ref'])
              .doUpdateSet({ sha: to, moves: fromMoves + 1 })
              .where('git_refs.moves', '=', fromMoves),
          )
          .executeTakeFirst();
        return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
      }),
  };
}

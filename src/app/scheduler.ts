import { branchOf } from '../domain/ref-pattern.js';
import type { Pipeline, PipelineEvent } from '../domain/pipeline.js';
import { nextTick, scheduleKey, scheduleOf, type Schedule } from '../domain/schedule.js';
import type { Clock } from './ports/clock.js';
import type { ScheduleState } from './ports/trigger-repo.js';
import type { Store } from './ports/store.js';
import type { RunStarter } from './run-start.js';

/** Buddy's default for `pause_on_repeated_failures`. */
const DEFAULT_PAUSE_AFTER = 100;

/** The schedules a pipeline's SCHEDULE events describe (those that are valid; the API refuses the others). */
export function schedulesOf(pipeline: Pick<Pipeline, 'events'>): { event: PipelineEvent; schedule: Schedule }[] {
  return pipeline.events.flatMap((event) => {
    if (event.type !== 'SCHEDULE') return [];
    const schedule = scheduleOf(event);
    return 'error' in schedule ? [] : [{ event, schedule }];
  });
}

/**
 * Writes the pipeline's schedule rows after a change of its events: a schedule that stays keeps its next tick, a
 * new one starts at its first tick after `now`; `resume` lifts a pause (any edit of the events does).
 */
export async function syncSchedules(tx: Store, pipeline: Pipeline, now: Date, resume: boolean): Promise<void> {
  const wanted = schedulesOf(pipeline).map(({ schedule }) => ({
    key: scheduleKey(schedule),
    nextAt: nextTick(schedule, now),
  }));
  const newest = resume ? (await tx.executions.list(pipeline.id, { page: 1, perPage: 1 }))[0] : undefined;
  await tx.schedules.sync(pipeline.id, wanted, resume ? (newest?.id ?? 0) : null);
}

/** The branch a scheduled run builds: the event's (or pipeline's) first plain branch ref, else the default branch. */
function scheduledBranch(pipeline: Pipeline, event: PipelineEvent): string | null {
  const ref = (event.refs.length ? event.refs : pipeline.refs)[0];
  if (!ref || ref.includes('*')) return null;
  return ref.startsWith('refs/') ? branchOf(ref) : ref;
}

/**
 * Fires due schedule ticks. Every replica ticks (`tick()` about once a second); each tick is claimed by moving the
 * schedule's `next_at` from the due tick to the next one after now, in the run's transaction, so it runs once
 * across replicas, and after downtime only one missed tick runs (the next is computed from now, not from the
 * missed one). A disabled pipeline lets its ticks pass; a schedule whose last `pause_on_repeated_failures` runs
 * all failed is paused with the reason, until its pipeline's events are edited.
 */
export function createScheduler(deps: { store: Store; clock: Clock; runs: RunStarter }) {
  const { store, clock } = deps;

  async function fire(state: ScheduleState): Promise<boolean> {
    const { pipelineId, key } = state;
    const due = state.nextAt!;
    const pipeline = await store.pipelines.find(pipelineId);
    const found = pipeline && schedulesOf(pipeline).find((s) => scheduleKey(s.schedule) === key);
    if (!pipeline || !found) return false; // a row left from an edit; the next sync removes it
    const now = clock.now();
    const next = nextTick(found.schedule, now);
    if (pipeline.disabled) return (await store.schedules.advance(pipelineId, key, due, next)) && false;
    const limit = Number(pipeline.options.pause_on_repeated_failures ?? DEFAULT_PAUSE_AFTER);
    const recent = await store.executions.byTrigger(
      pipelineId,
      { type: 'SCHEDULE', statuses: ['SUCCESSFUL', 'FAILED', 'TERMINATED'], afterId: state.failuresAfter },
      limit,
    );
    if (recent.length === limit && recent.every((e) => e.status === 'FAILED')) {
      await store.schedules.pause(
        pipelineId,
        key,
        `Paused after ${limit} failed scheduled runs in a row (pause_on_repeated_failures); edit the pipeline's events to resume.`,
      );
      return false;
    }
    const project = await store.projects.find(pipeline.projectId);
    if (!project) return false;
    const branch = scheduledBranch(pipeline, found.event);
    const run = await deps.runs.start(
      pipeline,
      project,
      { branch },
      {
        trigger: { type: 'SCHEDULE', ref: branch && `refs/heads/${branch}`, by: null },
        creatorId: pipeline.creatorId,
        claim: (tx) => tx.schedules.advance(pipelineId, key, due, next),
      },
    );
    return run !== null;
  }

  return {
    /** Fires every due tick once: how many runs this replica started, and the ticks that failed (tried again). */
    async tick(): Promise<{ started: number; failed: { pipelineId: number; error: unknown }[] }> {
      let started = 0;
      const failed: { pipelineId: number; error: unknown }[] = [];
      for (const due of await store.schedules.due(clock.now(), 100)) {
        try {
          if (await fire(due)) started++;
        } catch (error) {
          failed.push({ pipelineId: due.pipelineId, error });
        }
      }
      return { started, failed };
    },
    /** Writes the schedule rows of every pipeline with a SCHEDULE event (at start: pipelines made before them). */
    async reconcile(): Promise<void> {
      const now = clock.now();
      for (const pipeline of await store.pipelines.withEvents(['SCHEDULE']))
        await store.transaction((tx) => syncSchedules(tx, pipeline, now, false));
    },
  };
}
export type Scheduler = ReturnType<typeof createScheduler>;

/**
 * What the triggers remember between their wake-ups. Lifecycle: part of the Store. Concurrency: every replica runs
 * the same loops over these rows; each event is claimed by a compare-and-set (a schedule's `next_at`, a project's
 * `next_poll_at`, a ref's sha), written in the transaction that creates the run, so of two replicas seeing the same
 * tick or push one creates the run and the other sees false. Failure: driver errors are StoreError.
 */
export interface ScheduleState {
  pipelineId: number;
  /** The schedule's stable text (`scheduleKey`). */
  key: string;
  /** The next tick; null when there is none left. */
  nextAt: Date | null;
  /** Why the schedule is paused (after failed runs in a row), or null. */
  pausedReason: string | null;
  /** Failed runs in a row are counted among the pipeline's executions after this id (its last resume). */
  failuresAfter: number;
}

export interface ScheduleRepo {
  forPipeline(pipelineId: number): Promise<ScheduleState[]>;
  /**
   * Makes the pipeline's rows the `wanted` keys: rows already there keep their next tick (and pause), missing ones
   * are added with theirs, others are removed. With `resumeAfter` (the pipeline's newest execution id), a paused row
   * resumes at its wanted `nextAt` (the ticks it slept through are not caught up), counting failures afresh.
   */
  sync(pipelineId: number, wanted: { key: string; nextAt: Date | null }[], resumeAfter: number | null): Promise<void>;
  /** Unpaused schedules whose tick is at or before `now`, oldest tick first. */
  due(now: Date, limit: number): Promise<ScheduleState[]>;
  /** Moves the next tick from `from` to `to`; false when another replica moved it first. */
  advance(pipelineId: number, key: string, from: Date, to: Date | null): Promise<boolean>;
  pause(pipelineId: number, key: string, reason: string): Promise<void>;
}

export interface GitPoll {
  projectId: number;
  nextPollAt: Date;
  /** False until the first read of the project's refs, which only records them. */
  recorded: boolean;
}

export interface GitRefRepo {
  /** Adds the project's poll row (first poll at `firstAt`) unless it has one. */
  ensurePoll(projectId: number, firstAt: Date): Promise<void>;
  removePoll(projectId: number): Promise<void>;
  polls(): Promise<GitPoll[]>;
  pollOf(projectId: number): Promise<GitPoll | undefined>;
  /** Polls due at or before `now`. */
  duePolls(now: Date, limit: number): Promise<GitPoll[]>;
  /** Moves the project's next poll from `from` to `next`; false when another replica claimed this poll. */
  claimPoll(projectId: number, from: Date, next: Date): Promise<boolean>;
  markRecorded(projectId: number): Promise<void>;
  /** The refs as last read: ref name → sha. */
  refs(projectId: number): Promise<Map<string, string>>;
  /**
   * Compare-and-set on one ref: `from` null means it must not be recorded yet (it is added), `to` null removes it.
   * False when the recorded sha was not `from` (another replica took this change).
   */
  moveRef(projectId: number, ref: string, from: string | null, to: string | null): Promise<boolean>;
}

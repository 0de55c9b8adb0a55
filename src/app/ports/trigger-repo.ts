/**
 * What the triggers remember between their wake-ups. Lifecycle: part of the Store. Concurrency: every replica runs
 * the same loops over these rows, and each claims by compare-and-set: a schedule's tick by moving `next_at` in the
 * transaction that creates its run; a project's poll by moving `next_poll_at`; a ref's move by its count of moves,
 * recorded after the runs it started (each run carries the move's key, unique per pipeline, so a move seen twice,
 * or again after a crash before it was recorded, starts each run once). Failure: driver errors are StoreError.
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

export interface RecordedRef {
  /** Null: the ref was deleted. */
  sha: string | null;
  /** How many moves of the ref were recorded; the next one is move `moves + 1`. */
  moves: number;
}

export interface GitRefRepo {
  /** Adds the project's poll row (first poll at `firstAt`) unless it has one. */
  ensurePoll(projectId: number, firstAt: Date): Promise<void>;
  /** Drops the project's poll; its recorded refs stay, so their counts of moves go on if it is polled again. */
  removePoll(projectId: number): Promise<void>;
  polls(): Promise<GitPoll[]>;
  pollOf(projectId: number): Promise<GitPoll | undefined>;
  /** Polls due at or before `now`. */
  duePolls(now: Date, limit: number): Promise<GitPoll[]>;
  /** Moves the project's next poll from `from` to `next`; false when another replica claimed this poll. */
  claimPoll(projectId: number, from: Date, next: Date): Promise<boolean>;
  /** Marks the project's first read done (compare-and-set); false when another poll made it first. */
  markRecorded(projectId: number): Promise<boolean>;
  /** The refs as last read, the deleted ones too: ref name → sha (null: deleted) and how often it moved. */
  refs(projectId: number): Promise<Map<string, RecordedRef>>;
  /**
   * Records one move of a ref, compare-and-set on its count of moves: `fromMoves` is the count as read (0: never
   * recorded); `to` null records a deletion. False when the count was not `fromMoves` (another poll took this move).
   */
  moveRef(projectId: number, ref: string, fromMoves: number, to: string | null): Promise<boolean>;
}

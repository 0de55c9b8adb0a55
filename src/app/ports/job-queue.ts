import type { Platform } from '../../domain/platform.js';
import type { PlatformImage } from './engine.js';

/** One action execution handed to agents: QUEUED until claimed, RUNNING under a lease, DONE. */
export type JobState = 'QUEUED' | 'RUNNING' | 'DONE';

/**
 * Which part of its action execution a job is: the whole action (BUILD), or, for a build fanned out over agents,
 * one platform of it (PLATFORM) or the index of those platforms, queued once they all succeeded (INDEX).
 */
export type JobKind = 'BUILD' | 'PLATFORM' | 'INDEX';
export type JobOutcomeStatus = 'SUCCESSFUL' | 'FAILED' | 'TERMINATED';

export interface Job {
  id: number;
  actionExecutionId: number;
  executionId: number;
  pipelineId: number;
  state: JobState;
  attempt: number;
  priority: number;
  notBefore: Date;
  agentId: string | null;
  leaseUntil: Date | null;
  /** When the agent of this attempt first reported (heartbeat or logs); null while it has not. */
  startedAt: Date | null;
  /** Lines the action execution's log held when this attempt was claimed (its lines are counted by `logReceived`). */
  logBase: number;
  cancelRequested: boolean;
  /**
   * The JobSpec, sealed by the Secrets port (`sealJobSpec`): it carries opened registry, repository and integration
   * secrets, so the table never holds them in plain text, not even while the job waits. Opened only for the claim's
   * answer and for masking. Empty once the job is DONE.
   */
  spec: string;
  createdAt: Date;
  kind: JobKind;
  /** The platform of a PLATFORM job; null for the others. */
  platform: Platform | null;
  /** Lines this attempt sent so far: a batch at a smaller offset is a resend, one past it a gap. */
  logReceived: number;
  /** How the job ended, once DONE. */
  outcome: JobOutcomeStatus | null;
  /** The image a SUCCESSFUL PLATFORM job pushed by digest. */
  result: PlatformImage | null;
  /** Why it failed, once DONE. */
  error: string | null;
  /** A digest of what a PLATFORM job builds (revision, settings, platform): a retry reuses its image while equal. */
  inputs: string | null;
  /** The MIN cache key a PLATFORM job builds with: the agent that ran it has that platform's store warm. */
  cacheKey: string | null;
}

/**
 * The job queue, a table in the same database so that every state change is one transaction together with
 * the execution's (it is its own port even while the SQL `jobs` table implements it). Lifecycle: part of the Store
 * (`store.jobs`, and `tx.jobs` inside a transaction). Concurrency: `claim` is atomic (one job to one agent); safe across server replicas where
 * the dialect supports row locks. Failure: driver errors are StoreError.
 */
export interface JobRepo {
  enqueue(
    job: Omit<
      Job,
      | 'id'
      | 'state'
      | 'agentId'
      | 'leaseUntil'
      | 'startedAt'
      | 'logBase'
      | 'cancelRequested'
      | 'createdAt'
      | 'attempt'
      | 'kind'
      | 'platform'
      | 'logReceived'
      | 'outcome'
      | 'result'
      | 'error'
      | 'inputs'
      | 'cacheKey'
    > &
      Partial<Pick<Job, 'kind' | 'platform' | 'inputs' | 'cacheKey'>>,
  ): Promise<Job>;
  /**
   * Takes the most urgent runnable job (of one of `workspaceIds` when not null) that `accept` agrees to, bumping its
   * attempt, setting the lease and the attempt's log base, and counting no lines received yet. It looks at the 50
   * most urgent and takes the first accepted one by compare-and-set: a claimer that lost a race to another moves on
   * to the next, so each job goes to one agent, in a transaction or not.
   */
  claim(
    agentId: string,
    now: Date,
    leaseUntil: Date,
    workspaceIds?: readonly number[] | null,
    accept?: (job: Job) => boolean | Promise<boolean>,
  ): Promise<Job | undefined>;
  byId(id: number): Promise<Job | undefined>;
  /**
   * The job while it is RUNNING at `attempt`, its row locked until the transaction ends (PostgreSQL: FOR UPDATE),
   * so a finish or reap of that attempt waits for what the caller writes under it. Call inside a transaction.
   */
  lockRunning(id: number, attempt: number): Promise<Job | undefined>;
  /** The QUEUED or RUNNING job of an action execution (the database keeps at most one). */
  live(actionExecutionId: number): Promise<Job | undefined>;
  /** Extends the lease of a RUNNING job at this attempt, marking it started; undefined when the attempt is stale. */
  renew(id: number, attempt: number, leaseUntil: Date, now: Date): Promise<Job | undefined>;
  /** Marks a RUNNING job at this attempt started, if it is not yet. */
  markStarted(id: number, attempt: number, now: Date): Promise<void>;
  /** Puts a RUNNING job at this attempt back in the queue (its agent never got it); false when the attempt is stale. */
  release(id: number, attempt: number): Promise<boolean>;
  /**
   * Marks a RUNNING job at this attempt DONE with how it ended (and, for a PLATFORM job, what it pushed); false
   * when the attempt is stale.
   */
  finish(
    id: number,
    attempt: number,
    end?: { outcome: JobOutcomeStatus; error?: string | null; result?: PlatformImage | null },
  ): Promise<boolean>;
  /** Counts `lines` more lines received from this RUNNING attempt. */
  addReceived(id: number, attempt: number, lines: number): Promise<void>;
  /** The agent whose SUCCESSFUL PLATFORM job of `platform` with that MIN cache key is the newest; null: none. */
  warmAgent(cacheKey: string, platform: Platform): Promise<string | null>;
  /** Every job an action execution ever had (each try's BUILD job, or its parts), oldest first. */
  ofActionExecution(actionExecutionId: number): Promise<Job[]>;
  requestCancel(executionId: number): Promise<void>;
  /**
   * Stops the other parts of a fanned-out build whose part failed: RUNNING ones are flagged for cancel, QUEUED ones
   * end at once (DONE, TERMINATED, with `error`).
   */
  cancelParts(actionExecutionId: number, error: string): Promise<void>;
  /** Drops QUEUED jobs of the execution; returns their action execution ids. */
  dropQueued(executionId: number): Promise<number[]>;
  /** RUNNING jobs whose lease ended before `now`. */
  expired(now: Date): Promise<Job[]>;
}

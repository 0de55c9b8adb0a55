import type { ActionExecution, Execution, Revision } from '../domain/execution.js';
import type { JobSpec } from '../domain/job-spec.js';
import type { Page } from './ports.js';

export type NewExecution = Omit<Execution, 'id' | 'createdAt'>;
export type NewActionExecution = Omit<ActionExecution, 'id' | 'executionId'>;

export interface ExecutionRepo {
  /** Creates the execution and its action executions together. */
  create(execution: NewExecution, actions: NewActionExecution[]): Promise<Execution>;
  byId(id: number): Promise<Execution | undefined>;
  /** Newest first. */
  list(pipelineId: number, page: Page): Promise<Execution[]>;
  count(pipelineId: number): Promise<number>;
  update(execution: Execution): Promise<void>;
  /** The newest finished execution of the pipeline created before `beforeId`. */
  previousFinished(pipelineId: number, beforeId: number): Promise<Execution | undefined>;
  /** The oldest execution of the pipeline in one of the statuses. */
  oldestWithStatus(pipelineId: number, statuses: readonly string[]): Promise<Execution | undefined>;
  /** Every execution not yet finished (start-up recovery). */
  unfinished(): Promise<Execution[]>;
  actionExecutions(executionId: number): Promise<ActionExecution[]>;
  actionExecution(id: number): Promise<ActionExecution | undefined>;
  actionExecutionByHex(hexId: string): Promise<ActionExecution | undefined>;
  updateActionExecution(actionExecution: ActionExecution): Promise<void>;
}

export type JobState = 'QUEUED' | 'RUNNING' | 'DONE';
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
  /** Lines the action execution's log held when this attempt was claimed; the agent's offsets start there. */
  logBase: number;
  cancelRequested: boolean;
  spec: JobSpec;
  createdAt: Date;
}

/**
 * The job queue, a table in the same database so that every state change is one transaction together with
 * the execution's. Concurrency: `claim` is atomic (one job to one agent); safe across server replicas where
 * the dialect supports row locks. Failure: driver errors are StoreError.
 */
export interface JobRepo {
  enqueue(
    job: Omit<
      Job,
      'id' | 'state' | 'agentId' | 'leaseUntil' | 'startedAt' | 'logBase' | 'cancelRequested' | 'createdAt' | 'attempt'
    >,
  ): Promise<Job>;
  /** Takes the most urgent runnable job, bumping its attempt, setting the lease and the attempt's log base. */
  claim(agentId: string, now: Date, leaseUntil: Date): Promise<Job | undefined>;
  byId(id: number): Promise<Job | undefined>;
  /** Extends the lease of a RUNNING job at this attempt, marking it started; undefined when the attempt is stale. */
  renew(id: number, attempt: number, leaseUntil: Date, now: Date): Promise<Job | undefined>;
  /** Marks a RUNNING job at this attempt started, if it is not yet. */
  markStarted(id: number, attempt: number, now: Date): Promise<void>;
  /** Puts a RUNNING job at this attempt back in the queue (its agent never got it); false when the attempt is stale. */
  release(id: number, attempt: number): Promise<boolean>;
  /** Marks a RUNNING job at this attempt DONE; false when the attempt is stale. */
  finish(id: number, attempt: number): Promise<boolean>;
  requestCancel(executionId: number): Promise<void>;
  /** Drops QUEUED jobs of the execution; returns their action execution ids. */
  dropQueued(executionId: number): Promise<number[]>;
  /** RUNNING jobs whose lease ended before `now`. */
  expired(now: Date): Promise<Job[]>;
}

/** Log lines per action execution, kept whole. `append` is idempotent by offset (a retried batch is not doubled). */
export interface LogRepo {
  append(actionExecutionId: number, offset: number, lines: string[]): Promise<number>;
  read(actionExecutionId: number, offset: number, limit: number): Promise<string[]>;
  count(actionExecutionId: number): Promise<number>;
}

export interface Agent {
  id: string;
  name: string;
  labels: string[];
  createdAt: Date;
  lastSeenAt: Date | null;
}
export interface AgentRepo {
  create(agent: Omit<Agent, 'createdAt' | 'lastSeenAt'> & { tokenHash: string }): Promise<Agent>;
  byTokenHash(tokenHash: string): Promise<Agent | undefined>;
  touch(id: string, at: Date): Promise<void>;
  remove(id: string): Promise<void>;
}

/**
 * In-process wake-ups ("a job was queued", "log lines arrived"). Lifecycle: lives as long as the server.
 * Delivery is best effort and local to one process; waiters always re-check the store after waking.
 */
export interface Notifier {
  publish(topic: string): void;
  /** Resolves true when `topic` is published before `ms` pass or the signal aborts (then false). */
  wait(topic: string, ms: number, signal?: AbortSignal): Promise<boolean>;
  subscribe(topic: string, listener: () => void): () => void;
}

/** Resolves what to build: a branch tip or a commit, with its metadata. Implemented by the git checkout. */
export interface RevisionSource {
  resolve(
    projectKey: string,
    source: { url: string; user: string | null; password: string | null },
    request: { branch: string | null; revision: string | null },
    defaultBranch: string,
  ): Promise<Revision>;
}

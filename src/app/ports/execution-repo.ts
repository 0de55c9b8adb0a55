import type { ActionExecution, Execution, TriggerType } from '../../domain/execution.js';
import type { ActionExecutionStatus, ExecutionStatus } from '../../domain/execution-status.js';
import type { Page } from './page.js';

export type NewExecution = Omit<Execution, 'id' | 'createdAt'>;

export type NewActionExecution = Omit<ActionExecution, 'id' | 'executionId'>;

/**
 * Executions and their action executions. Lifecycle: part of the Store. Concurrency: safe for concurrent calls,
 * across replicas too; a state change is a compare-and-set (`update(…, expected)` writes only while the row still
 * has one of the expected statuses, and says whether it did), so of two replicas making the same step one wins and
 * the other sees false. The database keeps at most one INPROGRESS execution per pipeline (a second is a
 * ConflictError). Failure: driver errors are StoreError.
 */
export interface ExecutionRepo {
  /** Creates the execution and its action executions together. */
  create(execution: NewExecution, actions: NewActionExecution[]): Promise<Execution>;
  byId(id: number): Promise<Execution | undefined>;
  /** Newest first. */
  list(pipelineId: number, page: Page): Promise<Execution[]>;
  count(pipelineId: number): Promise<number>;
  /** Writes the row; with `expected`, only while its status is one of them (false: someone else moved it). */
  update(execution: Execution, expected?: readonly ExecutionStatus[]): Promise<boolean>;
  /** The newest finished execution of the pipeline created before `beforeId`. */
  previousFinished(pipelineId: number, beforeId: number): Promise<Execution | undefined>;
  /** The pipeline's newest executions (of one trigger, on one ref, in some statuses, as given), newest first. */
  byTrigger(
    pipelineId: number,
    filter: { type?: TriggerType; ref?: string; statuses?: readonly ExecutionStatus[]; afterId?: number },
    limit: number,
  ): Promise<Execution[]>;
  /** The oldest execution of the pipeline in one of the statuses. */
  oldestWithStatus(pipelineId: number, statuses: readonly string[]): Promise<Execution | undefined>;
  /** Every execution not yet finished (start-up recovery). */
  unfinished(): Promise<Execution[]>;
  actionExecutions(executionId: number): Promise<ActionExecution[]>;
  actionExecution(id: number): Promise<ActionExecution | undefined>;
  actionExecutionByHex(hexId: string): Promise<ActionExecution | undefined>;
  /** Writes the row; with `expected`, only while its status is one of them (false: someone else moved it). */
  updateActionExecution(
    actionExecution: ActionExecution,
    expected?: readonly ActionExecutionStatus[],
  ): Promise<boolean>;
}

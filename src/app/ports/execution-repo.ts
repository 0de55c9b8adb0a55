import type { ActionExecution, Execution } from '../../domain/execution.js';
import type { Page } from './page.js';

export type NewExecution = Omit<Execution, 'id' | 'createdAt'>;

export type NewActionExecution = Omit<ActionExecution, 'id' | 'executionId'>;

/**
 * Executions and their action executions. Lifecycle: part of the Store. Concurrency: safe for concurrent calls;
 * updates write whole rows (last writer wins), so state changes go through the orchestrator. Failure: driver errors
 * are StoreError.
 */
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

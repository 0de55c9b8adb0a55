/**
 * Log lines per action execution, kept whole. Lifecycle: part of the Store. Concurrency: `append` is idempotent by
 * offset (a retried batch is not doubled; of two batches at one offset the first wins). Failure: driver errors are
 * StoreError.
 */
export interface LogRepo {
  append(actionExecutionId: number, offset: number, lines: string[]): Promise<number>;
  read(actionExecutionId: number, offset: number, limit: number): Promise<string[]>;
  count(actionExecutionId: number): Promise<number>;
}

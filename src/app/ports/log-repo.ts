/**
 * Log lines per action execution, kept whole. Lifecycle: part of the Store. Concurrency: `append` is idempotent by
 * offset (a retried batch is not doubled; of two batches at one offset the first wins). Failure: driver errors are
 * StoreError.
 */
export interface LogRepo {
  append(actionExecutionId: number, offset: number, lines: string[]): Promise<number>;
  /**
   * Appends `lines` at the end of the log, serialised with every other `appendAtEnd` of that action execution
   * (PostgreSQL: its action execution row locked until the transaction ends; SQLite has one writer): the parts of a
   * fanned-out build write one log side by side. Call inside a transaction. Returns the new line count.
   */
  appendAtEnd(actionExecutionId: number, lines: string[]): Promise<number>;
  read(actionExecutionId: number, offset: number, limit: number): Promise<string[]>;
  count(actionExecutionId: number): Promise<number>;
}

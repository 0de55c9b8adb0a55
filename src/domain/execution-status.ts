/** Buddy's execution statuses; action executions add the ones in ACTION_EXECUTION_STATUSES. */
export const EXECUTION_STATUSES = [
  'INITIAL',
  'ENQUEUED',
  'INPROGRESS',
  'SUCCESSFUL',
  'FAILED',
  'TERMINATED',
  'SKIPPED',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
export const ACTION_EXECUTION_STATUSES = [...EXECUTION_STATUSES, 'NOT_EXECUTED', 'TERMINATING'] as const;
export type ActionExecutionStatus = (typeof ACTION_EXECUTION_STATUSES)[number];

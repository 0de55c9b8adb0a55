import type { ActionType, TriggerTime } from './action.js';
import type { ActionExecutionStatus, ExecutionStatus } from './execution-status.js';
import type { Priority } from './pipeline.js';

/** The commit an execution runs, as resolved from the repository. */
export interface Revision {
  sha: string;
  branch: string | null;
  message: string;
  authorName: string;
  authorEmail: string;
  authorDate: string;
  committerName: string;
  committerEmail: string;
  commitDate: string;
}

export interface ExecutionVariable {
  key: string;
  /** Sealed when `encrypted`. */
  value: string;
  encrypted: boolean;
}

/** What started an execution: a person or client (MANUAL), a git push, a schedule's tick, a webhook call. */
export const TRIGGER_TYPES = ['MANUAL', 'PUSH', 'SCHEDULE', 'WEBHOOK'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export interface ExecutionTrigger {
  type: TriggerType;
  /** The ref a push moved or a schedule ran on (`refs/heads/main`), when there is one. */
  ref: string | null;
  /** Who, as far as it is known: the pusher the git host names, or null. */
  by: string | null;
}

/** Buddy's `triggeredOn` word for a trigger. */
export function triggeredOnOf(type: TriggerType): 'CLICK' | 'EVENT' | 'SCHEDULE' {
  return type === 'MANUAL' ? 'CLICK' : type === 'SCHEDULE' ? 'SCHEDULE' : 'EVENT';
}

export interface Execution {
  id: number;
  pipelineId: number;
  status: ExecutionStatus;
  createdAt: Date;
  startDate: Date | null;
  finishDate: Date | null;
  triggeredOn: 'CLICK' | 'EVENT' | 'SCHEDULE';
  trigger: ExecutionTrigger;
  /** The git event a triggered run is for (`<ref> <sha>`): at most one run per pipeline and event. */
  triggerKey: string | null;
  creatorId: number;
  comment: string | null;
  refresh: boolean;
  clearCache: boolean;
  priority: Priority;
  /** What was asked: a branch and/or a revision (sha or HEAD). */
  requestedBranch: string | null;
  requestedRevision: string | null;
  revision: Revision | null;
  variables: ExecutionVariable[];
  errorMessage: string | null;
}

/** What an action looked like when the execution started (later edits don't change a run). */
export interface ActionSnapshot {
  id: number;
  name: string;
  type: ActionType;
  triggerTime: TriggerTime;
  disabled: boolean;
  ignoreErrors: boolean;
  retryCount: number;
  retryInterval: number;
  timeout: number | null;
  runOnlyOnFirstFailure: boolean;
}

export interface ActionExecution {
  id: number;
  /** Buddy identifies action executions by a 24-hex id in URLs. */
  hexId: string;
  executionId: number;
  position: number;
  action: ActionSnapshot;
  status: ActionExecutionStatus;
  progress: number;
  startDate: Date | null;
  finishDate: Date | null;
  errorMessage: string | null;
  attempts: number;
}

export const FINISHED_EXECUTION: readonly ExecutionStatus[] = ['SUCCESSFUL', 'FAILED', 'TERMINATED'];
export const FINISHED_ACTION: readonly ActionExecutionStatus[] = [
  'SUCCESSFUL',
  'FAILED',
  'TERMINATED',
  'SKIPPED',
  'NOT_EXECUTED',
];

export function isFinished(status: ExecutionStatus): boolean {
  return FINISHED_EXECUTION.includes(status);
}

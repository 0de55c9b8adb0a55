import type { ActionExecution } from './execution.js';
import { FINISHED_ACTION } from './execution.js';
import type { ExecutionStatus } from './execution-status.js';

/**
 * What to do next in an execution, decided from its action executions alone (pure; the orchestrator applies it).
 * Buddy's trigger times: ON_EVERY_EXECUTION actions run in order until one fails; ON_SUCCESS ones run only when
 * nothing failed; ON_FAILURE ones only after a failure (once per failure streak when run_only_on_first_failure);
 * ON_BACK_TO_SUCCESS when nothing failed and the previous execution had failed.
 */
export type NextStep =
  | { kind: 'run'; actionExecution: ActionExecution }
  | { kind: 'wait' }
  | { kind: 'skip'; actionExecution: ActionExecution; status: 'SKIPPED' | 'NOT_EXECUTED' }
  | { kind: 'finish'; status: Extract<ExecutionStatus, 'SUCCESSFUL' | 'FAILED'> };

export interface PlanContext {
  /** The pipeline's execution before this one (for ON_BACK_TO_SUCCESS and run_only_on_first_failure). */
  previousExecutionStatus: ExecutionStatus | null;
}

export function nextStep(actions: readonly ActionExecution[], ctx: PlanContext): NextStep {
  const ordered = [...actions].sort((a, b) => a.position - b.position);
  if (ordered.some((a) => !FINISHED_ACTION.includes(a.status) && a.status !== 'INITIAL')) return { kind: 'wait' };
  const failed = ordered.some((a) => a.status === 'FAILED' && !a.action.ignoreErrors);
  const next = ordered.find((a) => a.status === 'INITIAL');
  if (!next) return { kind: 'finish', status: failed ? 'FAILED' : 'SUCCESSFUL' };
  const { action } = next;
  if (action.disabled) return { kind: 'skip', actionExecution: next, status: 'SKIPPED' };
  const runs = (() => {
    switch (action.triggerTime) {
      case 'ON_EVERY_EXECUTION':
        return !failed;
      case 'ON_SUCCESS':
        return !failed;
      case 'ON_FAILURE':
        return failed && !(action.runOnlyOnFirstFailure && ctx.previousExecutionStatus === 'FAILED');
      case 'ON_BACK_TO_SUCCESS':
        return !failed && ctx.previousExecutionStatus === 'FAILED';
      default:
        return false; // ON_WARNING, ON_WAIT_FOR_APPROVE, ON_TERMINATE: not run by Archway yet
    }
  })();
  return runs
    ? { kind: 'run', actionExecution: next }
    : { kind: 'skip', actionExecution: next, status: 'NOT_EXECUTED' };
}

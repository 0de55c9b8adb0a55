import { describe, expect, it } from 'vitest';
import type { TriggerTime } from './action.js';
import type { ActionExecution } from './execution.js';
import type { ActionExecutionStatus } from './execution-status.js';
import { nextStep } from './execution-plan.js';

let n = 0;
function ae(
  status: ActionExecutionStatus,
  triggerTime: TriggerTime = 'ON_EVERY_EXECUTION',
  extra: Partial<ActionExecution['action']> = {},
): ActionExecution {
  n += 1;
  return {
    id: n,
    hexId: String(n).padStart(24, '0'),
    executionId: 1,
    position: n,
    status,
    progress: 0,
    startDate: null,
    finishDate: null,
    errorMessage: null,
    attempts: 0,
    action: {
      id: n,
      name: `a${n}`,
      type: 'DOCKER_BUILD_MULTI_ARCH',
      triggerTime,
      disabled: false,
      ignoreErrors: false,
      retryCount: 0,
      retryInterval: 0,
      timeout: null,
      runOnlyOnFirstFailure: false,
      ...extra,
    },
  };
}
const fresh = { previousExecutionStatus: null };

describe('nextStep', () => {
  it('runs the first INITIAL action and waits while one is running', () => {
    const list = [ae('SUCCESSFUL'), ae('INITIAL'), ae('INITIAL')];
    expect(nextStep(list, fresh)).toEqual({ kind: 'run', actionExecution: list[1] });
    expect(nextStep([ae('INPROGRESS'), ae('INITIAL')], fresh)).toEqual({ kind: 'wait' });
    expect(nextStep([ae('ENQUEUED')], fresh)).toEqual({ kind: 'wait' });
  });
  it('finishes SUCCESSFUL, or FAILED after a failure unless the action ignores errors', () => {
    expect(nextStep([ae('SUCCESSFUL'), ae('SKIPPED')], fresh)).toEqual({ kind: 'finish', status: 'SUCCESSFUL' });
    expect(nextStep([ae('FAILED')], fresh)).toEqual({ kind: 'finish', status: 'FAILED' });
    expect(nextStep([ae('FAILED', 'ON_EVERY_EXECUTION', { ignoreErrors: true })], fresh)).toEqual({
      kind: 'finish',
      status: 'SUCCESSFUL',
    });
  });
  it('skips disabled actions and does not run later ones after a failure', () => {
    const disabled = ae('INITIAL', 'ON_EVERY_EXECUTION', { disabled: true });
    expect(nextStep([disabled], fresh)).toEqual({ kind: 'skip', actionExecution: disabled, status: 'SKIPPED' });
    const later = ae('INITIAL');
    expect(nextStep([ae('FAILED'), later], fresh)).toEqual({
      kind: 'skip',
      actionExecution: later,
      status: 'NOT_EXECUTED',
    });
  });
  it('runs ON_FAILURE only after a failure, once per failure streak with run_only_on_first_failure', () => {
    const onFailure = ae('INITIAL', 'ON_FAILURE');
    expect(nextStep([ae('SUCCESSFUL'), onFailure], fresh).kind).toBe('skip');
    expect(nextStep([ae('FAILED'), onFailure], fresh).kind).toBe('run');
    const firstOnly = ae('INITIAL', 'ON_FAILURE', { runOnlyOnFirstFailure: true });
    expect(nextStep([ae('FAILED'), firstOnly], { previousExecutionStatus: 'FAILED' }).kind).toBe('skip');
    expect(nextStep([ae('FAILED'), firstOnly], { previousExecutionStatus: 'SUCCESSFUL' }).kind).toBe('run');
  });
  it('runs ON_BACK_TO_SUCCESS only when the previous execution failed and this one did not', () => {
    const back = ae('INITIAL', 'ON_BACK_TO_SUCCESS');
    expect(nextStep([ae('SUCCESSFUL'), back], { previousExecutionStatus: 'FAILED' }).kind).toBe('run');
    expect(nextStep([ae('SUCCESSFUL'), back], { previousExecutionStatus: 'SUCCESSFUL' }).kind).toBe('skip');
    expect(nextStep([ae('FAILED'), back], { previousExecutionStatus: 'FAILED' }).kind).toBe('skip');
  });
});

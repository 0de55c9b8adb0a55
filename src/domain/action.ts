import type { ExecutionStatus } from './execution-status.js';
import type { TriggerCondition } from './pipeline.js';
import type { MultiArchBuild } from './multi-arch-build.js';

export const ACTION_TYPES = ['DOCKER_BUILD_MULTI_ARCH'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];
export const TRIGGER_TIMES = [
  'ON_EVERY_EXECUTION',
  'ON_SUCCESS',
  'ON_FAILURE',
  'ON_BACK_TO_SUCCESS',
  'ON_WARNING',
  'ON_WAIT_FOR_APPROVE',
  'ON_TERMINATE',
] as const;
export type TriggerTime = (typeof TRIGGER_TIMES)[number];
export const RUN_NEXT_MODES = ['WAIT_ON_SUCCESS', 'IN_SOFT_PARALLEL', 'IN_HARD_PARALLEL'] as const;
export type RunNext = (typeof RUN_NEXT_MODES)[number];
export const VARIABLE_TYPES = ['VAR', 'FILE', 'SSH_KEY'] as const;
export type VariableType = (typeof VARIABLE_TYPES)[number];

export interface ActionVariable {
  key: string;
  /** Plain text, or ciphertext from the Secrets port when `encrypted`. */
  value: string;
  type: VariableType;
  encrypted: boolean;
  settable: boolean;
  description: string | null;
  filePath: string | null;
  fileChmod: string | null;
}

export interface Action {
  id: number;
  pipelineId: number;
  /** Order inside the pipeline; contiguous from 0. */
  position: number;
  name: string;
  type: ActionType;
  createdAt: Date;
  triggerTime: TriggerTime;
  runNext: RunNext;
  runOnlyOnFirstFailure: boolean;
  disabled: boolean;
  /** Seconds; null = no limit of the action's own. */
  timeout: number | null;
  retryCount: number;
  retryInterval: number;
  ignoreErrors: boolean;
  variables: ActionVariable[];
  triggerConditions: TriggerCondition[];
  loop: string[];
  build: MultiArchBuild;
  lastExecutionStatus: ExecutionStatus;
  currentRevision: string | null;
}

/** What a client may set on an action: everything but the identity and run-time state. */
export type ActionSettings = Omit<
  Action,
  'id' | 'pipelineId' | 'position' | 'createdAt' | 'lastExecutionStatus' | 'currentRevision'
>;

export function isActionType(value: string): value is ActionType {
  return (ACTION_TYPES as readonly string[]).includes(value);
}

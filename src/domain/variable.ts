import type { ActionVariable } from './action.js';

export const FILE_PLACES = ['CONTAINER', 'NONE'] as const;
export type FilePlace = (typeof FILE_PLACES)[number];

/**
 * Where a variable is defined. All null = the workspace; an inner scope also names its ancestors (a pipeline
 * variable has its project, an action variable its pipeline and project), so one row says the whole path.
 */
export interface VariableScope {
  projectId: number | null;
  pipelineId: number | null;
  actionId: number | null;
}

/** A variable of the variables resource (workspace, project, pipeline or action scope). */
export interface Variable extends ActionVariable {
  id: number;
  workspaceId: number;
  scope: VariableScope;
  filePlace: FilePlace;
  createdAt: Date;
}

/** How deep a scope lies: 0 for the workspace, up to 3 for an action (inner definitions win). */
export function scopeDepth(scope: VariableScope): number {
  return scope.actionId !== null ? 3 : scope.pipelineId !== null ? 2 : scope.projectId !== null ? 1 : 0;
}

/** "the workspace", "project 3", "pipeline 7", "action 12": the innermost part of a scope, for messages. */
export function describeScope(scope: VariableScope): string {
  if (scope.actionId !== null) return `action ${scope.actionId}`;
  if (scope.pipelineId !== null) return `pipeline ${scope.pipelineId}`;
  if (scope.projectId !== null) return `project ${scope.projectId}`;
  return 'the workspace';
}

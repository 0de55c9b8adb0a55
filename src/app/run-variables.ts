import { ValidationError } from '../domain/errors.js';
import { builtInKeys } from '../domain/variable-resolution.js';
import type { Action } from '../domain/action.js';
import { scopeDepth } from '../domain/variable.js';
import type { Store } from './ports/store.js';

/**
 * Which variables a run may set (`POST …/executions {"variables": […]}`): a key no scope of the pipeline defines is
 * a new variable and may be passed; a key that is defined — in the workspace, project, pipeline, an action's
 * stored scope or an action's own variables — may be overridden only when the definition in force (the innermost,
 * for every action of the pipeline) is `settable: true` (Buddy's meaning of settable). Built-in variables
 * (BUDDY_*) are never settable. Without this rule a caller with
 * only EXECUTION_RUN could point a registry host variable elsewhere and receive the action's password.
 */
export async function checkRunVariables(
  store: Store,
  at: { workspaceId: number; projectId: number; pipelineId: number },
  actions: readonly Action[],
  keys: readonly string[],
): Promise<void> {
  if (keys.length === 0) return;
  const builtIn = new Set(builtInKeys());
  const fixed = new Set<string>();
  const scopes = actions.length
    ? actions.map((a) => ({ projectId: at.projectId, pipelineId: at.pipelineId, actionId: a.id }))
    : [{ projectId: at.projectId, pipelineId: at.pipelineId, actionId: null }];
  for (const scope of scopes) {
    const settable = new Map<string, boolean>();
    const stored = (await store.variables.inForce(at.workspaceId, scope)).sort(
      (a, b) => scopeDepth(a.scope) - scopeDepth(b.scope),
    );
    for (const v of stored) settable.set(v.key, v.settable);
    const own = actions.find((a) => a.id === scope.actionId)?.variables ?? [];
    for (const v of own) settable.set(v.key, v.settable);
    for (const [key, yes] of settable) if (!yes) fixed.add(key);
  }
  for (const key of keys) {
    if (builtIn.has(key))
      throw new ValidationError(`Variable "${key}" is built in and cannot be set when running a pipeline.`);
    if (fixed.has(key))
      throw new ValidationError(
        `Variable "${key}" is not settable: only variables marked "settable": true may be set when running a pipeline.`,
      );
  }
}

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

/** A variable a run may set, as a run form offers it: an encrypted one's value is never given out. */
export interface SettableVariable {
  key: string;
  value: string | null;
  encrypted: boolean;
  description: string | null;
}

/**
 * The variables a run form offers for a pipeline: the definitions in force at the pipeline (workspace, project,
 * pipeline; the innermost wins) that are `settable`, keys in order. Actions' own variables are set per action and
 * are not offered here (a run may still pass them, under checkRunVariables' rule).
 */
export async function settableVariables(
  store: Store,
  at: { workspaceId: number; projectId: number; pipelineId: number },
): Promise<SettableVariable[]> {
  const inForce = (
    await store.variables.inForce(at.workspaceId, {
      projectId: at.projectId,
      pipelineId: at.pipelineId,
      actionId: null,
    })
  ).sort((a, b) => scopeDepth(a.scope) - scopeDepth(b.scope));
  const byKey = new Map<string, SettableVariable & { settable: boolean }>();
  for (const v of inForce)
    byKey.set(v.key, {
      key: v.key,
      value: v.encrypted ? null : v.value,
      encrypted: v.encrypted,
      description: v.description,
      settable: v.settable,
    });
  const builtIn = new Set(builtInKeys());
  return [...byKey.values()]
    .filter((v) => v.settable && !builtIn.has(v.key))
    .sort((a, b) => a.key.localeCompare(b.key))
    .map(({ settable: _settable, ...v }) => v);
}

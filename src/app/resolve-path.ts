import { NotFoundError } from '../domain/errors.js';
import type { Action } from '../domain/action.js';
import type { Pipeline } from '../domain/pipeline.js';
import type { Project } from '../domain/project.js';
import { allowsWorkspace } from '../domain/token.js';
import type { Workspace } from '../domain/workspace.js';
import type { Caller } from './caller.js';
import type { PathQuery, ResolvedPath, Store } from './ports/store.js';

/**
 * Every level the query names, in one read; a 404 naming the first level that does not exist (a workspace outside
 * the token's restriction is one of those).
 */
async function resolvePath(store: Store, caller: Caller, query: PathQuery): Promise<ResolvedPath> {
  const { domain, projectName, pipelineId, actionId } = query;
  const path = allowsWorkspace(caller.token, domain) ? await store.paths.resolve(query) : {};
  if (!path.workspace) throw new NotFoundError(`Workspace "${domain}" not found.`);
  if (projectName !== undefined && !path.project)
    throw new NotFoundError(`Project "${projectName}" not found in workspace "${domain}".`);
  if (pipelineId !== undefined && !path.pipeline)
    throw new NotFoundError(`Pipeline ${pipelineId} not found in project "${projectName}".`);
  if (actionId !== undefined && !path.action)
    throw new NotFoundError(`Action ${actionId} not found in pipeline ${pipelineId}.`);
  return path;
}

// The non-null assertions below hold because resolvePath threw for every level the query names and lacks.

/** A workspace outside the token's restriction behaves exactly like one that does not exist. */
export async function workspaceFor(store: Store, caller: Caller, domain: string): Promise<Workspace> {
  return (await resolvePath(store, caller, { domain })).workspace!;
}

export async function projectAt(
  store: Store,
  caller: Caller,
  domain: string,
  projectName: string,
): Promise<{ workspace: Workspace; project: Project }> {
  const path = await resolvePath(store, caller, { domain, projectName });
  return { workspace: path.workspace!, project: path.project! };
}

export async function pipelineAt(
  store: Store,
  caller: Caller,
  domain: string,
  projectName: string,
  pipelineId: number,
): Promise<{ project: Project; pipeline: Pipeline }> {
  const path = await resolvePath(store, caller, { domain, projectName, pipelineId });
  return { project: path.project!, pipeline: path.pipeline! };
}

export async function actionAt(
  store: Store,
  caller: Caller,
  domain: string,
  projectName: string,
  pipelineId: number,
  actionId: number,
): Promise<{ pipeline: Pipeline; action: Action }> {
  const path = await resolvePath(store, caller, { domain, projectName, pipelineId, actionId });
  return { pipeline: path.pipeline!, action: path.action! };
}

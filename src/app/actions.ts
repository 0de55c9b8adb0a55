import { isActionType, type Action, type ActionSettings, type ActionVariable } from '../domain/action.js';
import { validateVariables } from '../domain/action-variable.js';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { invalidTriggerCondition } from '../domain/trigger-conditions.js';
import { ACTION_TYPES } from '../domain/action.js';
import { DEFAULT_DOCKERFILE_PATH, validateMultiArchBuild, type MultiArchBuild } from '../domain/multi-arch-build.js';
import { DEFAULT_PLATFORMS } from '../domain/platform.js';
import type { Pipeline } from '../domain/pipeline.js';
import { assignDefined } from './assign-defined.js';
import { actionAt } from './resolve-path.js';
import { type Caller } from './caller.js';
import type { Page } from './ports/page.js';
import type { Secrets } from './ports/secrets.js';
import type { Store } from './ports/store.js';
import type { PipelineUseCases } from './pipelines.js';
import { resolveActionIntegration } from './integrations.js';
import { ownerIn, sealFromClient } from './sealing.js';

export type BuildInput = Partial<Omit<MultiArchBuild, 'passwordEncrypted'>> & { password?: string | null };
export type ActionInput = Partial<Omit<ActionSettings, 'build' | 'type'>> & {
  type?: string;
  afterActionId?: number | null;
  build?: BuildInput;
};

const BLANK_BUILD: MultiArchBuild = {
  dockerfilePath: DEFAULT_DOCKERFILE_PATH,
  contextPath: '',
  targetStage: null,
  secretId: null,
  secretSrc: null,
  buildArgs: [],
  targetPlatforms: [...DEFAULT_PLATFORMS],
  imageTag: null,
  versions: [],
  dockerRegistry: null,
  login: null,
  passwordEncrypted: null,
  integrationHash: null,
  region: null,
  registry: null,
  repository: null,
  cacheMode: null,
  withoutProgress: false,
  artifact: null,
};

function checkNumbers(s: ActionSettings): void {
  if (s.timeout !== null && (!Number.isInteger(s.timeout) || s.timeout < 1))
    throw new ValidationError('"timeout" must be a whole number of seconds, at least 1.');
  if (!Number.isInteger(s.retryCount) || s.retryCount < 0 || s.retryCount > 100)
    throw new ValidationError('"retry_count" must be a whole number from 0 to 100.');
  if (!Number.isInteger(s.retryInterval) || s.retryInterval < 0)
    throw new ValidationError('"retry_interval" must be a whole number of seconds, 0 or more.');
  if (s.runOnlyOnFirstFailure && s.triggerTime !== 'ON_FAILURE')
    throw new ValidationError('"run_only_on_first_failure" applies only with "trigger_time" ON_FAILURE.');
  if (s.name.trim() === '') throw new ValidationError('"name" must not be empty.');
  const condition = invalidTriggerCondition(s.triggerConditions);
  if (condition) throw new ValidationError(condition);
}

export function createActionUseCases(store: Store, secrets: Secrets, pipelines: PipelineUseCases) {
  function sealVariables(variables: ActionVariable[], previous: ActionVariable[], workspaceId: number) {
    const owner = ownerIn(workspaceId, 'action.variable');
    return validateVariables(variables).map((v) => {
      if (!v.encrypted) return v;
      const old = previous.find((p) => p.key === v.key && p.encrypted);
      // A client echoing the sealed value it read keeps the old secret.
      return { ...v, value: v.value === '' ? '' : sealFromClient(secrets, v.value, owner, old?.value) };
    });
  }

  /** Merges input into settings and validates the whole against the pipeline. */
  function merge(current: ActionSettings, input: ActionInput, pipeline: Pipeline, workspaceId: number): ActionSettings {
    const { build: buildInput, afterActionId: _after, type: _type, ...generic } = input;
    const next: ActionSettings = assignDefined(current, generic);
    if (input.variables) next.variables = sealVariables(input.variables, current.variables, workspaceId);
    const { password, ...buildFields } = buildInput ?? {};
    const build = assignDefined(current.build, buildFields);
    if (password !== undefined)
      build.passwordEncrypted =
        password === null || password === ''
          ? null
          : sealFromClient(secrets, password, ownerIn(workspaceId, 'action.password'), current.build.passwordEncrypted);
    next.build = validateMultiArchBuild(build, pipeline.cacheScope);
    checkNumbers(next);
    return next;
  }

  /** merge, then the referenced integration must exist and fit (stored by its hash id). */
  async function settle(
    current: ActionSettings,
    input: ActionInput,
    pipeline: Pipeline,
    domain: string,
  ): Promise<ActionSettings> {
    const workspaceId = (await store.projects.find(pipeline.projectId))!.workspaceId;
    const next = merge(current, input, pipeline, workspaceId);
    return { ...next, build: await resolveActionIntegration(store, domain, pipeline, next.build) };
  }

  const find = (caller: Caller, domain: string, projectName: string, pipelineId: number, id: number) =>
    actionAt(store, caller, domain, projectName, pipelineId, id);

  return {
    async create(
      caller: Caller,
      domain: string,
      projectName: string,
      pipelineId: number,
      input: ActionInput,
    ): Promise<{ pipeline: Pipeline; action: Action }> {
      const pipeline = await pipelines.get(caller, domain, projectName, pipelineId);
      if (!input.type) throw new ValidationError(`"type" is required; supported: ${ACTION_TYPES.join(', ')}.`);
      if (!isActionType(input.type))
        throw new ValidationError(
          `Action type "${input.type}" is not supported by Archway; supported: ${ACTION_TYPES.join(', ')}.`,
        );
      if (!input.name?.trim()) throw new ValidationError('"name" is required.');
      const blank: ActionSettings = {
        name: input.name.trim(),
        type: input.type,
        triggerTime: 'ON_EVERY_EXECUTION',
        runNext: 'WAIT_ON_SUCCESS',
        runOnlyOnFirstFailure: false,
        disabled: false,
        timeout: null,
        retryCount: 0,
        retryInterval: 0,
        ignoreErrors: false,
        variables: [],
        triggerConditions: [],
        loop: [],
        build: BLANK_BUILD,
      };
      const settings = await settle(blank, input, pipeline, domain);
      const { afterActionId } = input;
      const newAction = { ...settings, pipelineId: pipeline.id };
      const action =
        afterActionId == null
          ? await store.actions.append(newAction)
          : await store.transaction((tx) => tx.actions.insertAfter(newAction, afterActionId));
      if (!action)
        throw new ValidationError(`"after_action_id" ${afterActionId} is not an action of pipeline ${pipeline.id}.`);
      return { pipeline, action };
    },
    find,
    /** An action by its id alone within a project (its web page's path names no pipeline), under the caller's reach. */
    async findInProject(caller: Caller, domain: string, projectName: string, id: number) {
      const missing = new NotFoundError(`Action ${id} not found in project "${projectName}".`);
      const action = await store.actions.find(id);
      if (!action) throw missing;
      // The same answer whether the action is elsewhere or nowhere: its pipeline's id is not told.
      return find(caller, domain, projectName, action.pipelineId, id).catch((error: unknown) => {
        throw error instanceof NotFoundError ? missing : error;
      });
    },
    async list(caller: Caller, domain: string, projectName: string, pipelineId: number, page: Page) {
      const pipeline = await pipelines.get(caller, domain, projectName, pipelineId);
      return { pipeline, actions: await store.actions.list(pipeline.id, page) };
    },
    async update(
      caller: Caller,
      domain: string,
      projectName: string,
      pipelineId: number,
      id: number,
      input: ActionInput,
    ) {
      const { pipeline, action } = await find(caller, domain, projectName, pipelineId, id);
      if (input.type !== undefined && input.type !== action.type) {
        throw new ValidationError(
          `The action "type" cannot be changed (it is ${action.type}); delete the action and add a new one.`,
        );
      }
      if (input.afterActionId != null)
        throw new ValidationError('"after_action_id" can only be given when adding an action.');
      const updated = await store.actions.update({ ...action, ...(await settle(action, input, pipeline, domain)) });
      return { pipeline, action: updated };
    },
    async remove(caller: Caller, domain: string, projectName: string, pipelineId: number, id: number): Promise<void> {
      const { action } = await find(caller, domain, projectName, pipelineId, id);
      await store.transaction((tx) => tx.actions.remove(action));
    },
  };
}
export type ActionUseCases = ReturnType<typeof createActionUseCases>;

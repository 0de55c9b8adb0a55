import { afterAll, beforeAll } from 'vitest';
import type { NewActionExecution, NewExecution } from '../app/ports/execution-repo.js';
import type { NewAction, NewPipeline, NewProject, Store } from '../app/ports/store.js';
import type { Action } from '../domain/action.js';
import type { JobSpec } from '../domain/job-spec.js';
import type { MultiArchBuild } from '../domain/multi-arch-build.js';
import type { Pipeline } from '../domain/pipeline.js';
import type { Project } from '../domain/project.js';
import type { User } from '../domain/token.js';
import type { Workspace } from '../domain/workspace.js';

/** What a contract run needs from an adapter: a fresh, migrated, empty store and a way to throw it away. */
export type MakeStore = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

/**
 * A fresh store for the enclosing `describe` (one per group keeps a PostgreSQL run fast: a database costs
 * ~0.2 s plus migrations). Tests inside a group make their own rows (unique names), so they stay independent.
 */
export function useStore(makeStore: MakeStore): () => Store {
  let made: Awaited<ReturnType<MakeStore>> | undefined;
  beforeAll(async () => {
    made = await makeStore();
  });
  afterAll(async () => {
    await made?.cleanup();
  });
  return () => {
    if (!made) throw new Error('the store is not open yet');
    return made.store;
  };
}

let counter = 0;
/** A name no other test of this process uses (lowercase: sorts the same under every collation). */
export const unique = (prefix: string): string => `${prefix}-${(++counter).toString().padStart(4, '0')}`;

export const page = (n: number, perPage: number) => ({ page: n, perPage });
export const ALL = page(1, 1000);

export function newProject(workspaceId: number, createdById: number, over: Partial<NewProject> = {}): NewProject {
  const name = over.name ?? unique('project');
  return {
    workspaceId,
    name,
    displayName: `Project ${name}`,
    status: 'ACTIVE',
    access: 'PRIVATE',
    createdById,
    repository: {
      url: 'file:///srv/git/site.git',
      user: 'git',
      passwordEncrypted: 'sealed:abc',
      defaultBranch: 'main',
    },
    withoutRepository: false,
    fetchSubmodules: true,
    fetchSubmodulesEnvKey: null,
    allowPullRequests: false,
    updateDefaultBranchFromExternal: true,
    webhookSecretSealed: null,
    ...over,
  };
}

export function newPipeline(projectId: number, creatorId: number, over: Partial<NewPipeline> = {}): NewPipeline {
  const name = over.name ?? unique('pipeline');
  return {
    projectId,
    name,
    identifier: name,
    creatorId,
    cacheScope: 'PIPELINE',
    priority: 'NORMAL',
    disabled: false,
    refs: ['refs/heads/main'],
    events: [{ type: 'PUSH', refs: ['refs/heads/main'], details: {} }],
    triggerConditions: [{ trigger_condition: 'ALWAYS' }],
    options: { fail_on_prepare_env_warning: true, concurrent_pipeline_runs: false },
    webhookTokenSealed: null,
    ...over,
  };
}

export function newBuild(over: Partial<MultiArchBuild> = {}): MultiArchBuild {
  return {
    dockerfilePath: 'Dockerfile',
    contextPath: '/contextPath',
    targetStage: '$targetStage',
    secretId: '$secretId',
    secretSrc: '$path_to_secret',
    buildArgs: ['key=value'],
    targetPlatforms: ['linux/amd64', 'linux/arm64'],
    imageTag: 'latest',
    versions: ['1.0'],
    dockerRegistry: null,
    login: 'bob',
    passwordEncrypted: 'sealed:pw',
    integrationHash: null,
    region: null,
    registry: 'registry.example.com',
    repository: 'team/app',
    cacheMode: null,
    withoutProgress: false,
    artifact: null,
    ...over,
  };
}

export function newAction(pipelineId: number, name: string, over: Partial<NewAction> = {}): NewAction {
  return {
    pipelineId,
    name,
    type: 'DOCKER_BUILD_MULTI_ARCH',
    triggerTime: 'ON_EVERY_EXECUTION',
    runNext: 'WAIT_ON_SUCCESS',
    runOnlyOnFirstFailure: false,
    disabled: false,
    timeout: null,
    retryCount: 0,
    retryInterval: 0,
    ignoreErrors: false,
    variables: [
      {
        key: 'GREETING',
        value: 'hi',
        type: 'VAR',
        encrypted: false,
        settable: true,
        description: null,
        filePath: null,
        fileChmod: null,
      },
    ],
    triggerConditions: [],
    loop: [],
    build: newBuild(),
    ...over,
  };
}

export interface Scene {
  user: User;
  workspace: Workspace;
  project: Project;
  pipeline: Pipeline;
}

/** A user, a workspace, a project and a pipeline of their own. */
export async function scene(store: Store): Promise<Scene> {
  const user = await store.users.create({ name: unique('user'), email: 'someone@example.com' });
  const workspace = await store.workspaces.create({
    domain: unique('ws'),
    name: 'Workspace',
    ownerId: user.id,
    frozen: false,
  });
  const project = await store.projects.create(newProject(workspace.id, user.id));
  const pipeline = await store.pipelines.create(newPipeline(project.id, user.id));
  return { user, workspace, project, pipeline };
}

export function newExecution(pipelineId: number, creatorId: number, over: Partial<NewExecution> = {}): NewExecution {
  return {
    pipelineId,
    status: 'ENQUEUED',
    startDate: null,
    finishDate: null,
    triggeredOn: 'CLICK',
    trigger: { type: 'MANUAL', ref: null, by: null },
    triggerKey: null,
    creatorId,
    comment: 'by hand',
    refresh: false,
    clearCache: true,
    priority: 'NORMAL',
    requestedBranch: 'main',
    requestedRevision: null,
    revision: null,
    variables: [{ key: 'X', value: 'sealed:1', encrypted: true }],
    errorMessage: null,
    ...over,
  };
}

export function newActionExecution(
  action: Action,
  position: number,
  over: Partial<NewActionExecution> = {},
): NewActionExecution {
  return {
    hexId: unique('ae')
      .replace(/[^0-9]/g, '')
      .padStart(24, 'a'),
    position,
    status: 'INITIAL',
    progress: 0,
    startDate: null,
    finishDate: null,
    errorMessage: null,
    attempts: 0,
    action: {
      id: action.id,
      name: action.name,
      type: action.type,
      triggerTime: action.triggerTime,
      disabled: action.disabled,
      ignoreErrors: action.ignoreErrors,
      retryCount: action.retryCount,
      retryInterval: action.retryInterval,
      timeout: action.timeout,
      runOnlyOnFirstFailure: action.runOnlyOnFirstFailure,
    },
    ...over,
  };
}

/** A job spec as the queue holds it: opaque text (the app seals it; the store keeps it as given). */
export function jobSpec(executionId: number, actionExecutionId: number): string {
  return JSON.stringify(specOf(executionId, actionExecutionId));
}

function specOf(executionId: number, actionExecutionId: number): JobSpec {
  return {
    executionId,
    actionExecutionId,
    actionName: 'Build',
    projectKey: 'ws/project',
    sha: 'a'.repeat(40),
    refresh: false,
    clearCache: false,
    repository: { url: 'file:///srv/git/site.git', user: null, password: 'opened-secret' },
    cacheKey: null,
    timeoutSeconds: 600,
    build: {
      dockerfilePath: 'Dockerfile',
      contextPath: '.',
      targetStage: null,
      buildArgs: [['key', 'value']],
      secret: null,
      platforms: ['linux/amd64'],
      tags: ['latest'],
      cacheMode: 'none',
      target: {
        dockerRegistry: 'OTHER',
        registry: 'registry.example.com',
        repository: 'team/app',
        region: null,
        login: 'bob',
        password: 'opened-secret',
        integration: null,
      },
    },
    files: [],
    mask: ['opened-secret'],
  };
}

/** A pipeline with one action and one execution of it: what jobs and logs hang off. */
export async function runScene(
  store: Store,
): Promise<Scene & { action: Action; executionId: number; actionExecutionId: number }> {
  const base = await scene(store);
  const action = await store.actions.create(newAction(base.pipeline.id, 'Build'), 0);
  const execution = await store.executions.create(newExecution(base.pipeline.id, base.user.id), [
    newActionExecution(action, 0),
  ]);
  const [ae] = await store.executions.actionExecutions(execution.id);
  if (!ae) throw new Error('no action execution');
  return { ...base, action, executionId: execution.id, actionExecutionId: ae.id };
}

import { randomBytes } from 'node:crypto';
import type { ActionExecution, Execution, ExecutionVariable, Revision } from '../domain/execution.js';
import { ValidationError } from '../domain/errors.js';
import { isFinished } from '../domain/execution.js';
import type { Priority } from '../domain/pipeline.js';
import { DEFAULT_BRANCH, type Project } from '../domain/project.js';
import { checkLocalRepo, type LocalRepoRule } from '../domain/repo-url.js';
import type { Caller } from './caller.js';
import type { RevisionSource } from './ports/revision-source.js';
import { notFound } from './not-found.js';
import type { Orchestrator } from './orchestrator.js';
import type { Clock } from './ports/clock.js';
import type { Page } from './ports/page.js';
import type { Secrets } from './ports/secrets.js';
import type { Store } from './ports/store.js';
import type { PipelineUseCases } from './pipelines.js';
import { checkRunVariables } from './run-variables.js';
import { ownerIn } from './sealing.js';
import { crashPoint } from './crash-point.js';

export interface RunInput {
  branch?: string | null;
  revision?: string | null;
  comment?: string | null;
  refresh?: boolean;
  clearCache?: boolean;
  priority?: Priority;
  variables?: Array<{ key: string; value: string; encrypted?: boolean }>;
}

export interface ExecutionView {
  execution: Execution;
  actions: ActionExecution[];
}

export function createExecutionUseCases(deps: {
  store: Store;
  secrets: Secrets;
  clock: Clock;
  pipelines: PipelineUseCases;
  orchestrator: Orchestrator;
  revisions: RevisionSource;
  localRepos: LocalRepoRule;
}) {
  const { store, orchestrator } = deps;
  const view = async (execution: Execution): Promise<ExecutionView> => ({
    execution,
    actions: await store.executions.actionExecutions(execution.id),
  });

  async function find(caller: Caller, domain: string, projectName: string, pipelineId: number, id: number) {
    const pipeline = await deps.pipelines.get(caller, domain, projectName, pipelineId);
    const execution = await store.executions.byId(id);
    if (!execution || execution.pipelineId !== pipeline.id)
      notFound(`Execution ${id} not found in pipeline ${pipelineId}.`);
    return { pipeline, execution };
  }

  async function resolveRevision(
    project: Project,
    input: RunInput,
  ): Promise<{ revision: Revision | null; error: string | null }> {
    if (!project.repository.url)
      return { revision: null, error: 'The project has no repository: set "custom_repo_url" on the project.' };
    try {
      // Again at run time: a project made before the operator narrowed ARCHWAY_LOCAL_REPO_ROOTS.
      checkLocalRepo(project.repository.url, deps.localRepos);
    } catch (error) {
      return { revision: null, error: (error as Error).message };
    }
    const source = {
      url: project.repository.url,
      user: project.repository.user,
      password:
        project.repository.passwordEncrypted &&
        deps.secrets.open(project.repository.passwordEncrypted, ownerIn(project.workspaceId, 'project.repo-password')),
    };
    const revision = input.revision && input.revision !== 'HEAD' ? input.revision : null;
    const request = { branch: input.branch ?? null, revision };
    try {
      return {
        revision: await deps.revisions.resolve(`p${project.id}`, source, request, project.repository.defaultBranch),
        error: null,
      };
    } catch (error) {
      // A project made without "default_branch" has the placeholder "master"; when the repository has no such
      // branch, its own HEAD decides, and the project learns the name (Buddy's update-from-external behaviour).
      if (input.branch == null && project.repository.defaultBranch === DEFAULT_BRANCH) {
        const learned = await deps.revisions.resolve(`p${project.id}`, source, request, '').catch(() => null);
        if (learned?.branch) {
          await store.projects.update({
            ...project,
            repository: { ...project.repository, defaultBranch: learned.branch },
          });
          return { revision: learned, error: null };
        }
      }
      return { revision: null, error: error instanceof Error ? error.message : String(error) };
    }
  }

  return {
    async run(
      caller: Caller,
      domain: string,
      projectName: string,
      pipelineId: number,
      input: RunInput,
    ): Promise<ExecutionView> {
      const pipeline = await deps.pipelines.get(caller, domain, projectName, pipelineId);
      if (pipeline.disabled)
        throw new ValidationError(`Pipeline ${pipeline.id} is disabled; enable it before running it.`);
      const project = (await store.projects.find(pipeline.projectId))!;
      const owner = ownerIn(project.workspaceId, 'execution.variable');
      const variables: ExecutionVariable[] = (input.variables ?? []).map((v) => ({
        key: v.key,
        encrypted: v.encrypted ?? false,
        value: v.encrypted ? deps.secrets.seal(v.value, owner) : v.value,
      }));
      for (const v of variables)
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.key))
          throw new ValidationError(`Variable "key" must be letters, digits or "_" (got "${v.key}").`);
      const actions = await store.actions.list(pipeline.id, { page: 1, perPage: 10_000 });
      await checkRunVariables(
        store,
        { workspaceId: project.workspaceId, projectId: project.id, pipelineId: pipeline.id },
        actions,
        variables.map((v) => v.key),
      );
      const { revision, error } = await resolveRevision(project, input);
      const now = deps.clock.now();
      const execution = await store.transaction((tx) =>
        tx.executions.create(
          {
            pipelineId: pipeline.id,
            status: error ? 'FAILED' : 'ENQUEUED',
            startDate: null,
            finishDate: error ? now : null,
            triggeredOn: 'CLICK',
            creatorId: caller.user.id,
            comment: input.comment ?? null,
            refresh: input.refresh ?? false,
            clearCache: input.clearCache ?? false,
            priority: input.priority ?? pipeline.priority,
            requestedBranch: input.branch ?? null,
            requestedRevision: input.revision ?? null,
            revision,
            variables,
            errorMessage: error,
          },
          actions.map((a) => ({
            hexId: randomBytes(12).toString('hex'),
            position: a.position,
            status: error ? 'NOT_EXECUTED' : 'INITIAL',
            progress: 0,
            startDate: null,
            finishDate: null,
            errorMessage: null,
            attempts: 0,
            action: {
              id: a.id,
              name: a.name,
              type: a.type,
              triggerTime: a.triggerTime,
              disabled: a.disabled,
              ignoreErrors: a.ignoreErrors,
              retryCount: a.retryCount,
              retryInterval: a.retryInterval,
              timeout: a.timeout,
              runOnlyOnFirstFailure: a.runOnlyOnFirstFailure,
            },
          })),
        ),
      );
      crashPoint('run.created');
      if (error) await store.pipelines.update({ ...pipeline, lastExecutionStatus: 'FAILED' });
      else await orchestrator.advance(execution.id);
      return view((await store.executions.byId(execution.id))!);
    },
    async get(
      caller: Caller,
      domain: string,
      projectName: string,
      pipelineId: number,
      id: number,
    ): Promise<ExecutionView> {
      return view((await find(caller, domain, projectName, pipelineId, id)).execution);
    },
    async list(caller: Caller, domain: string, projectName: string, pipelineId: number, page: Page) {
      const pipeline = await deps.pipelines.get(caller, domain, projectName, pipelineId);
      const [items, total] = await Promise.all([
        store.executions.list(pipeline.id, page),
        store.executions.count(pipeline.id),
      ]);
      return { items: await Promise.all(items.map(view)), total };
    },
    async cancel(
      caller: Caller,
      domain: string,
      projectName: string,
      pipelineId: number,
      id: number,
    ): Promise<ExecutionView> {
      const { execution } = await find(caller, domain, projectName, pipelineId, id);
      if (isFinished(execution.status))
        throw new ValidationError(`Execution ${id} has already finished (${execution.status}); nothing to cancel.`);
      await orchestrator.serial(execution.pipelineId, async () => {
        // One transaction: queued jobs dropped, running ones flagged, their actions moved (compare-and-set).
        await store.transaction(async (tx) => {
          const dropped = await tx.jobs.dropQueued(execution.id);
          await tx.jobs.requestCancel(execution.id);
          for (const ae of await tx.executions.actionExecutions(execution.id)) {
            if (dropped.includes(ae.id))
              await tx.executions.updateActionExecution({ ...ae, status: 'TERMINATED', finishDate: deps.clock.now() }, [
                ae.status,
              ]);
            else if (ae.status === 'INPROGRESS')
              await tx.executions.updateActionExecution({ ...ae, status: 'TERMINATING' }, ['INPROGRESS']);
          }
        });
        crashPoint('cancel.recorded');
        const actions = await store.executions.actionExecutions(execution.id);
        const current = (await store.executions.byId(execution.id))!;
        if (!actions.some((a) => a.status === 'TERMINATING'))
          await orchestrator.finishExecution(current, 'TERMINATED', 'Cancelled.', actions);
      });
      return view((await store.executions.byId(execution.id))!);
    },
    async retry(
      caller: Caller,
      domain: string,
      projectName: string,
      pipelineId: number,
      id: number,
    ): Promise<ExecutionView> {
      const { execution } = await find(caller, domain, projectName, pipelineId, id);
      if (execution.status !== 'FAILED' && execution.status !== 'TERMINATED') {
        throw new ValidationError(
          `Only a FAILED or TERMINATED execution can be retried (execution ${id} is ${execution.status}).`,
        );
      }
      if (!execution.revision)
        throw new ValidationError(
          `Execution ${id} never resolved a revision (${execution.errorMessage ?? 'no repository'}); run the pipeline again instead.`,
        );
      await orchestrator.serial(execution.pipelineId, () =>
        store.transaction(async (tx) => {
          const actions = await tx.executions.actionExecutions(execution.id);
          const from = actions.findIndex((a) => ['FAILED', 'TERMINATED', 'NOT_EXECUTED'].includes(a.status));
          for (const ae of actions.slice(Math.max(0, from))) {
            await tx.executions.updateActionExecution({
              ...ae,
              status: 'INITIAL',
              progress: 0,
              startDate: null,
              finishDate: null,
              errorMessage: null,
              attempts: 0,
            });
          }
          await tx.executions.update({ ...execution, status: 'ENQUEUED', finishDate: null, errorMessage: null });
        }),
      );
      await orchestrator.advance(execution.id);
      return view((await store.executions.byId(execution.id))!);
    },
    /** An action execution of an execution, by action id or by its 24-hex id, with a page of its log. */
    async actionExecution(
      caller: Caller,
      domain: string,
      projectName: string,
      pipelineId: number,
      id: number,
      key: { actionId?: number; hexId?: string },
      page: { offset: number; limit: number },
    ) {
      const { execution, pipeline } = await find(caller, domain, projectName, pipelineId, id);
      const actions = await store.executions.actionExecutions(execution.id);
      const ae = actions.find((a) => (key.hexId ? a.hexId === key.hexId : a.action.id === key.actionId));
      if (!ae) notFound(`No such action in execution ${id}.`);
      const [log, total] = await Promise.all([
        store.logs.read(ae.id, page.offset, page.limit),
        store.logs.count(ae.id),
      ]);
      return { pipeline, execution, actionExecution: ae, log, total };
    },
  };
}
export type ExecutionUseCases = ReturnType<typeof createExecutionUseCases>;

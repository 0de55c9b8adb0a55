import type { ActionExecution, Execution } from '../domain/execution.js';
import { ValidationError } from '../domain/errors.js';
import { isFinished } from '../domain/execution.js';
import type { Priority } from '../domain/pipeline.js';
import type { Caller } from './caller.js';
import { notFound } from './not-found.js';
import type { Orchestrator } from './orchestrator.js';
import type { Clock } from './ports/clock.js';
import type { Page } from './ports/page.js';
import type { Secrets } from './ports/secrets.js';
import type { Store } from './ports/store.js';
import type { PipelineUseCases } from './pipelines.js';
import type { RunStarter } from './run-start.js';
import { settableVariables, type SettableVariable } from './run-variables.js';
import { crashPoint } from './crash-point.js';

export interface RunInput {
  branch?: string | null;
  /** A tag to build (its commit), instead of a branch. */
  tag?: string | null;
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
  runs: RunStarter;
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

  return {
    async run(
      caller: Caller,
      domain: string,
      projectName: string,
      pipelineId: number,
      input: RunInput,
    ): Promise<ExecutionView> {
      const pipeline = await deps.pipelines.get(caller, domain, projectName, pipelineId);
      const project = (await store.projects.find(pipeline.projectId))!;
      const origin = {
        trigger: { type: 'MANUAL', ref: null, by: null },
        creatorId: caller.user.id,
        userEmail: caller.user.email,
      } as const;
      return view((await deps.runs.start(pipeline, project, input, origin))!);
    },
    /** What a run form offers for a pipeline: its settable variables (encrypted values withheld). */
    async runForm(
      caller: Caller,
      domain: string,
      projectName: string,
      pipelineId: number,
    ): Promise<{ variables: SettableVariable[] }> {
      const pipeline = await deps.pipelines.get(caller, domain, projectName, pipelineId);
      const project = (await store.projects.find(pipeline.projectId))!;
      return {
        variables: await settableVariables(store, {
          workspaceId: project.workspaceId,
          projectId: project.id,
          pipelineId: pipeline.id,
        }),
      };
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
            // A fanned-out build whose other parts still run ends when they have stopped (TERMINATING).
            if (dropped.includes(ae.id) && !(await tx.jobs.live(ae.id)))
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

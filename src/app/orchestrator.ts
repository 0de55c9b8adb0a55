import { AppError, ValidationError } from '../domain/errors.js';
import type { ActionExecution, Execution } from '../domain/execution.js';
import { nextStep } from '../domain/execution-plan.js';
import type { Job } from './ports/job-queue.js';
import type { Notifier } from './ports/notifier.js';
import { buildJobSpec } from './job-spec-builder.js';
import { sealJobSpec } from './sealed-job-spec.js';
import type { DefaultRegistry } from '../domain/job-spec.js';
import { openIntegration } from './integrations.js';
import type { Clock } from './ports/clock.js';
import type { Secrets } from './ports/secrets.js';
import type { Store } from './ports/store.js';
import type { VariableScopes } from './variable-scope.js';

export const JOBS_TOPIC = 'jobs';
export const executionTopic = (id: number) => `execution:${id}`;
const PRIORITY = { LOW: 0, NORMAL: 1, HIGH: 2 } as const;

export interface JobOutcome {
  status: 'SUCCESSFUL' | 'FAILED' | 'TERMINATED';
  error?: string | null;
}

/**
 * Moves executions through their states. Every step is one store transaction together with the queue change;
 * steps for one pipeline are serialised in this process (runs of a pipeline wait ENQUEUED while one is
 * INPROGRESS; different pipelines run side by side). Lifecycle: one per server; `recover()` once at start-up.
 */
export function createOrchestrator(deps: {
  store: Store;
  secrets: Secrets;
  notifier: Notifier;
  clock: Clock;
  scopes: VariableScopes;
  defaultRegistry?: DefaultRegistry | null;
}) {
  const { store, notifier, clock } = deps;
  const chains = new Map<number, Promise<unknown>>();

  /** Runs `fn` after every earlier step of the same pipeline (an in-process lock). */
  function serial<T>(pipelineId: number, fn: () => Promise<T>): Promise<T> {
    const previous = chains.get(pipelineId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    chains.set(pipelineId, next);
    void next.finally(() => chains.get(pipelineId) === next && chains.delete(pipelineId)).catch(() => undefined);
    return next;
  }

  /** The project, pipeline and current action settings an action execution runs with. */
  async function contextOf(execution: Execution, ae: ActionExecution) {
    const pipeline = await store.pipelines.find(execution.pipelineId);
    const project = pipeline && (await store.projects.find(pipeline.projectId));
    const action = pipeline && (await store.actions.byId(pipeline.id, ae.action.id));
    if (!pipeline || !project || !action)
      throw new ValidationError(`Action "${ae.action.name}" was deleted after the run started.`);
    return { pipeline, project, action };
  }

  async function finishExecution(
    execution: Execution,
    status: Execution['status'],
    errorMessage: string | null,
    actions: ActionExecution[],
  ) {
    const now = clock.now();
    await store.transaction(async (tx) => {
      for (const a of actions.filter((x) => x.status === 'INITIAL' || x.status === 'ENQUEUED')) {
        await tx.executions.updateActionExecution({ ...a, status: 'NOT_EXECUTED', finishDate: now });
      }
      await tx.executions.update({
        ...execution,
        status,
        finishDate: now,
        errorMessage: errorMessage ?? execution.errorMessage,
      });
      const pipeline = await tx.pipelines.find(execution.pipelineId);
      if (pipeline) {
        await tx.pipelines.update({
          ...pipeline,
          lastExecutionStatus: status,
          lastExecutionRevision: execution.revision?.sha ?? pipeline.lastExecutionRevision,
        });
      }
    });
    notifier.publish(executionTopic(execution.id));
    const waiting = await store.executions.oldestWithStatus(execution.pipelineId, ['ENQUEUED']);
    if (waiting) void advance(waiting.id);
  }

  async function enqueue(execution: Execution, ae: ActionExecution, delaySeconds = 0) {
    let spec;
    try {
      const ctx = await contextOf(execution, ae);
      const scope = await deps.scopes.forAction(ctx, execution);
      const hash = ctx.action.build.integrationHash;
      const integration = hash
        ? await openIntegration({ store, secrets: deps.secrets }, ctx.project.workspaceId, hash)
        : null;
      spec = buildJobSpec(
        { ...ctx, execution, actionExecutionId: ae.id, ...scope, integration, defaultRegistry: deps.defaultRegistry },
        deps.secrets,
      );
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      await store.executions.updateActionExecution({
        ...ae,
        status: 'FAILED',
        errorMessage: error.message,
        startDate: clock.now(),
        finishDate: clock.now(),
      });
      return false;
    }
    await store.transaction(async (tx) => {
      await tx.executions.updateActionExecution({
        ...ae,
        status: 'ENQUEUED',
        attempts: ae.attempts + 1,
        errorMessage: null,
      });
      await tx.jobs.enqueue({
        actionExecutionId: ae.id,
        executionId: execution.id,
        pipelineId: execution.pipelineId,
        priority: PRIORITY[execution.priority],
        notBefore: new Date(clock.now().getTime() + delaySeconds * 1000),
        spec: sealJobSpec(deps.secrets, spec),
      });
    });
    notifier.publish(JOBS_TOPIC);
    return true;
  }

  /** Decides and applies the next step of an execution; idempotent, safe to call at any time. */
  function advance(executionId: number): Promise<void> {
    return store.executions
      .byId(executionId)
      .then(
        (first) =>
          first &&
          serial(first.pipelineId, async () => {
            for (;;) {
              const execution = await store.executions.byId(executionId);
              if (!execution || ['SUCCESSFUL', 'FAILED', 'TERMINATED'].includes(execution.status)) return;
              if (execution.status === 'ENQUEUED') {
                const running = await store.executions.oldestWithStatus(execution.pipelineId, ['INPROGRESS']);
                const first = await store.executions.oldestWithStatus(execution.pipelineId, ['ENQUEUED']);
                if (running || first?.id !== execution.id) return;
                await store.executions.update({ ...execution, status: 'INPROGRESS', startDate: clock.now() });
                notifier.publish(executionTopic(execution.id));
                continue;
              }
              const actions = await store.executions.actionExecutions(execution.id);
              if (actions.some((a) => a.status === 'TERMINATED' || a.status === 'TERMINATING')) {
                if (actions.some((a) => a.status === 'TERMINATING' || a.status === 'INPROGRESS')) return;
                return finishExecution(execution, 'TERMINATED', null, actions);
              }
              const previous = await store.executions.previousFinished(execution.pipelineId, execution.id);
              const step = nextStep(actions, { previousExecutionStatus: previous?.status ?? null });
              if (step.kind === 'wait') return;
              if (step.kind === 'finish') return finishExecution(execution, step.status, null, actions);
              if (step.kind === 'skip') {
                await store.executions.updateActionExecution({ ...step.actionExecution, status: step.status });
                continue;
              }
              if (await enqueue(execution, step.actionExecution)) return;
            }
          }),
      )
      .then(() => undefined);
  }

  /** An agent reported the end of a job (or the reaper gave up on it). */
  async function jobFinished(job: Job, outcome: JobOutcome): Promise<void> {
    const ae = await store.executions.actionExecution(job.actionExecutionId);
    const execution = await store.executions.byId(job.executionId);
    if (!ae || !execution) return;
    const cancelled = ae.status === 'TERMINATING' || outcome.status === 'TERMINATED';
    const retry = !cancelled && outcome.status === 'FAILED' && ae.attempts <= ae.action.retryCount;
    if (retry) {
      await store.logs.append(ae.id, await store.logs.count(ae.id), [
        `Attempt ${ae.attempts} failed: ${outcome.error ?? 'unknown error'}; retrying in ${ae.action.retryInterval} s.`,
      ]);
      await enqueue(execution, ae, ae.action.retryInterval);
      return;
    }
    await store.executions.updateActionExecution({
      ...ae,
      status: cancelled ? 'TERMINATED' : outcome.status,
      progress: 100,
      finishDate: clock.now(),
      errorMessage: cancelled
        ? (outcome.error ?? 'Cancelled.')
        : outcome.status === 'FAILED'
          ? (outcome.error ?? 'The action failed.')
          : null,
    });
    notifier.publish(executionTopic(execution.id));
    await advance(execution.id);
  }

  return { advance, jobFinished, enqueue, finishExecution, serial };
}
export type Orchestrator = ReturnType<typeof createOrchestrator>;

import { AppError, ConflictError, ValidationError } from '../domain/errors.js';
import { isFinished, type ActionExecution, type Execution } from '../domain/execution.js';
import { nextStep } from '../domain/execution-plan.js';
import { runOriginLines } from '../domain/run-origin-line.js';
import type { Job } from './ports/job-queue.js';
import type { Notifier } from './ports/notifier.js';
import { buildJobSpec } from './job-spec-builder.js';
import { sealJobSpec } from './sealed-job-spec.js';
import type { DefaultRegistry, JobSpec } from '../domain/job-spec.js';
import { isKnown } from '../domain/agent-platforms.js';
import type { PlatformImage } from '../domain/platform-image.js';
import { fansOut, indexLive, latestParts, partInputs, partsState, reusable } from './build-parts.js';
import type { FanOutMode } from '../domain/platform-routing.js';
import { openIntegration } from './integrations.js';
import type { Clock } from './ports/clock.js';
import type { Secrets } from './ports/secrets.js';
import type { Store } from './ports/store.js';
import type { TriggerGate } from './trigger-gate.js';
import type { VariableScopes } from './variable-scope.js';
import { crashPoint } from './crash-point.js';

export const JOBS_TOPIC = 'jobs';
export const executionTopic = (id: number) => `execution:${id}`;
const PRIORITY = { LOW: 0, NORMAL: 1, HIGH: 2 } as const;
/** How far replicas' readings of the database's clock may differ (each is within half a round trip of it). */
const CLOCK_SLACK_MS = 1_000;
/** The action execution statuses that mean "a job of it is queued or running". */
const WITH_JOB: readonly ActionExecution['status'][] = ['ENQUEUED', 'INPROGRESS', 'TERMINATING'];

export interface JobOutcome {
  status: 'SUCCESSFUL' | 'FAILED' | 'TERMINATED';
  error?: string | null;
  /** What a PLATFORM job pushed by digest, when it succeeded. */
  result?: PlatformImage | null;
}

/** How a fanned-out build's next try is queued: the platforms to build, and the images kept from earlier tries. */
interface PartsPlan {
  build: Array<{ platform: JobSpec['build']['platforms'][number]; inputs: string }>;
  reused: PlatformImage[];
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
  gate: TriggerGate;
  defaultRegistry?: DefaultRegistry | null;
  /** ARCHWAY_FANOUT: whether a multi-platform build becomes one job per platform (build-parts.ts). */
  fanOut?: FanOutMode;
}) {
  const { store, notifier, clock } = deps;
  const fanOutMode = deps.fanOut ?? 'auto';
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

  type ActionContext = Awaited<ReturnType<typeof contextOf>>;
  /** A step another step or replica made first (a unique index or a compare-and-set said so): false. */
  const falseOnConflict = (error: unknown): false => {
    if (error instanceof ConflictError) return false;
    throw error;
  };
  const unlessAppError = (error: unknown): null => {
    if (error instanceof AppError) return null;
    throw error;
  };

  /**
   * Ends an execution: its status, the actions that never ran, the pipeline's last status, in one transaction and
   * only while the execution still has the status it was read with (false: another step or replica ended it).
   */
  async function finishExecution(
    execution: Execution,
    status: Execution['status'],
    errorMessage: string | null,
    actions: ActionExecution[],
  ): Promise<boolean> {
    const now = clock.now();
    const ended = await store.transaction(async (tx) => {
      const next = { ...execution, status, finishDate: now, errorMessage: errorMessage ?? execution.errorMessage };
      if (!(await tx.executions.update(next, [execution.status]))) return false;
      for (const a of actions.filter((x) => x.status === 'INITIAL' || x.status === 'ENQUEUED')) {
        await tx.executions.updateActionExecution({ ...a, status: 'NOT_EXECUTED', finishDate: now }, [a.status]);
      }
      const pipeline = await tx.pipelines.find(execution.pipelineId);
      if (pipeline) {
        await tx.pipelines.update({
          ...pipeline,
          lastExecutionStatus: status,
          lastExecutionRevision: execution.revision?.sha ?? pipeline.lastExecutionRevision,
        });
      }
      return true;
    });
    if (!ended) return false;
    crashPoint('execution.finished');
    notifier.publish(executionTopic(execution.id));
    // The next run of the pipeline; should this fail, the sweeper starts it within its interval.
    const waiting = await store.executions.oldestWithStatus(execution.pipelineId, ['ENQUEUED']);
    if (waiting) void advance(waiting.id).catch(() => undefined);
    return true;
  }

  /** The sealed spec of an action execution's job, or the sentence that fails the action (its settings are bad). */
  async function specFor(
    execution: Execution,
    ae: ActionExecution,
    known: ActionContext | null = null,
  ): Promise<{ spec: JobSpec } | { error: string }> {
    try {
      const ctx = known ?? (await contextOf(execution, ae));
      const scope = await deps.scopes.forAction(ctx, execution);
      const hash = ctx.action.build.integrationHash;
      const integration = hash
        ? await openIntegration({ store, secrets: deps.secrets }, ctx.project.workspaceId, hash)
        : null;
      const spec = buildJobSpec(
        { ...ctx, execution, actionExecutionId: ae.id, ...scope, integration, defaultRegistry: deps.defaultRegistry },
        deps.secrets,
      );
      return { spec };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return { error: error.message };
    }
  }

  /**
   * Why the action's trigger conditions skip it in this run, or null when it runs (no conditions, or all hold).
   * Evaluated when the action's turn comes, so an earlier action's outcome and the time then are what count.
   */
  async function skipReason(execution: Execution, ctx: ActionContext): Promise<string | null> {
    if (!ctx.action.triggerConditions.length) return null;
    const asker = execution.trigger.type === 'MANUAL' ? await store.users.byId(execution.creatorId) : undefined;
    const gate = await deps.gate.check(ctx.action.triggerConditions, {
      ...ctx,
      run: execution,
      userEmail: asker?.email ?? null,
    });
    return gate.pass ? null : gate.reason;
  }

  /**
   * Inside a transaction: the action execution ENQUEUED (from the status it was read with) and its job queued.
   * The first action of a run gets, as its first log lines, what started the run and what it builds.
   */
  async function queueIn(
    tx: Store,
    execution: Execution,
    ae: ActionExecution,
    spec: JobSpec,
    delaySeconds: number,
    parts: PartsPlan | null,
  ) {
    const queued = { ...ae, status: 'ENQUEUED' as const, attempts: ae.attempts + 1, errorMessage: null };
    if (!(await tx.executions.updateActionExecution(queued, [ae.status]))) return false;
    if (ae.attempts === 0 && (await tx.executions.actionExecutions(execution.id))[0]?.id === ae.id) {
      const asker = (await tx.users.byId(execution.creatorId))?.name ?? 'a removed user';
      await tx.logs.append(ae.id, await tx.logs.count(ae.id), runOriginLines(execution, asker));
    }
    const job = {
      actionExecutionId: ae.id,
      executionId: execution.id,
      pipelineId: execution.pipelineId,
      priority: PRIORITY[execution.priority],
      // A job to run at once is claimable a second early: replicas read the database's clock through offsets
      // measured to a few milliseconds, and a `not_before` of "now" on one was in another's future (measured by
      // bench/scaled: 6 of 100 cross-replica claims then waited for the 1 s re-poll instead of the wake-up).
      notBefore: new Date(clock.now().getTime() + (delaySeconds > 0 ? delaySeconds * 1000 : -CLOCK_SLACK_MS)),
    };
    if (!parts) {
      await tx.jobs.enqueue({ ...job, spec: sealJobSpec(deps.secrets, spec) });
      return true;
    }
    if (parts.reused.length > 0)
      await tx.logs.append(
        ae.id,
        await tx.logs.count(ae.id),
        parts.reused.map(
          (i) => `[${i.platform}] ${i.digest} reused: built from the same revision and settings by an earlier try`,
        ),
      );
    for (const { platform, inputs } of parts.build) {
      const part = { ...spec, part: { kind: 'PLATFORM' as const, platform } };
      // MIN stores are per agent, so the part records its key for routing to prefer the warm agent; MAX is shared.
      const cacheKey = spec.build.cacheMode === 'min' ? spec.cacheKey : null;
      const sealed = sealJobSpec(deps.secrets, part);
      await tx.jobs.enqueue({ ...job, kind: 'PLATFORM', platform, inputs, cacheKey, spec: sealed });
    }
    if (parts.build.length === 0) await enqueueIndex(tx, job, spec, parts.reused);
    return true;
  }

  /** The INDEX job of a fanned-out build, listing `images` (in the order of the spec's platforms). */
  async function enqueueIndex(
    tx: Store,
    job: Pick<Job, 'actionExecutionId' | 'executionId' | 'pipelineId' | 'priority' | 'notBefore'>,
    spec: JobSpec,
    images: PlatformImage[],
  ) {
    const part = { ...spec, part: { kind: 'INDEX' as const, images } };
    await tx.jobs.enqueue({ ...job, kind: 'INDEX', spec: sealJobSpec(deps.secrets, part) });
  }

  /**
   * Whether this try of the action fans out, and then what it builds: every platform but those an earlier try
   * of the same action execution built from the very same inputs (their images are reused).
   */
  async function partsPlan(ae: ActionExecution, spec: JobSpec): Promise<PartsPlan | null> {
    const now = clock.now();
    const known =
      fanOutMode === 'auto' ? (await store.agents.list()).filter((a) => isKnown(a.lastSeenAt, now)).length : 0;
    if (!fansOut(spec, fanOutMode, known)) return null;
    const latest = latestParts(await store.jobs.ofActionExecution(ae.id));
    const plan: PartsPlan = { build: [], reused: [] };
    for (const platform of spec.build.platforms) {
      const inputs = partInputs(spec, platform, (text) => deps.secrets.keyedDigest(text));
      const image = reusable(latest.get(platform), inputs);
      if (image) plan.reused.push(image);
      else plan.build.push({ platform, inputs });
    }
    return plan;
  }

  /**
   * Queues an action execution's job. Returns false when its settings fail it (the caller goes on to the next
   * step), true when it is queued or another step or replica already moved it (a second live job of one action
   * execution is a unique violation, rolled back).
   */
  async function enqueue(execution: Execution, ae: ActionExecution, delaySeconds = 0): Promise<boolean> {
    // Read once for the conditions and the spec; an AppError here is left for the spec to fail the action with.
    const ctx = await contextOf(execution, ae).catch(unlessAppError);
    const skip = ctx && (await skipReason(execution, ctx).catch(unlessAppError));
    if (skip) {
      const now = clock.now();
      const skipped = { ...ae, status: 'SKIPPED' as const, startDate: now, finishDate: now };
      return !(await store.transaction(async (tx) => {
        if (!(await tx.executions.updateActionExecution(skipped, [ae.status]))) return false;
        await tx.logs.append(ae.id, await tx.logs.count(ae.id), [`Skipped: ${skip}`]);
        return true;
      }));
    }
    const made = await specFor(execution, ae, ctx);
    if ('error' in made) {
      const now = clock.now();
      const failed = { ...ae, status: 'FAILED' as const, errorMessage: made.error, startDate: now, finishDate: now };
      return !(await store.executions.updateActionExecution(failed, [ae.status]));
    }
    const parts = await partsPlan(ae, made.spec);
    try {
      await store.transaction((tx) => queueIn(tx, execution, ae, made.spec, delaySeconds, parts));
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
    crashPoint('job.queued');
    notifier.publish(JOBS_TOPIC);
    return true;
  }

  /**
   * Decides and applies the next step of an execution; idempotent, safe to call at any time and from any replica:
   * every write is a compare-and-set on the status it read, so of two replicas making one step, one does it.
   */
  function advance(executionId: number): Promise<void> {
    return store.executions
      .byId(executionId)
      .then((first) => first && serial(first.pipelineId, () => step(executionId)))
      .then(() => undefined);
  }

  async function step(executionId: number): Promise<void> {
    for (;;) {
      const execution = await store.executions.byId(executionId);
      if (!execution || isFinished(execution.status)) return;
      if (execution.status === 'ENQUEUED') {
        const running = await store.executions.oldestWithStatus(execution.pipelineId, ['INPROGRESS']);
        const first = await store.executions.oldestWithStatus(execution.pipelineId, ['ENQUEUED']);
        if (running || first?.id !== execution.id) return;
        try {
          await store.executions.update({ ...execution, status: 'INPROGRESS', startDate: clock.now() }, ['ENQUEUED']);
        } catch (error) {
          if (error instanceof ConflictError) return; // another run of the pipeline started first
          throw error;
        }
        crashPoint('execution.started');
        notifier.publish(executionTopic(execution.id));
        continue;
      }
      const actions = await store.executions.actionExecutions(execution.id);
      if (actions.some((a) => a.status === 'TERMINATED' || a.status === 'TERMINATING')) {
        if (actions.some((a) => a.status === 'TERMINATING' || a.status === 'INPROGRESS')) return;
        await finishExecution(execution, 'TERMINATED', null, actions);
        return;
      }
      const previous = await store.executions.previousFinished(execution.pipelineId, execution.id);
      const next = nextStep(actions, { previousExecutionStatus: previous?.status ?? null });
      if (next.kind === 'wait') return;
      if (next.kind === 'finish') {
        await finishExecution(execution, next.status, null, actions);
        return;
      }
      if (next.kind === 'skip') {
        await store.executions.updateActionExecution({ ...next.actionExecution, status: next.status }, [
          next.actionExecution.status,
        ]);
        continue;
      }
      if (await enqueue(execution, next.actionExecution)) return;
    }
  }

  /**
   * The end of a job, reported by its agent or decided by the reaper: the job DONE, the action's outcome or its
   * retry queued, in one transaction (a crash leaves both or neither), then the next step. False when the job's
   * attempt is stale (another replica or an earlier report ended it).
   */
  async function jobFinished(job: Job, outcome: JobOutcome): Promise<boolean> {
    const ae = await store.executions.actionExecution(job.actionExecutionId);
    const execution = await store.executions.byId(job.executionId);
    const end = { outcome: outcome.status, error: outcome.error ?? null, result: outcome.result ?? null };
    if (!ae || !execution) return store.jobs.finish(job.id, job.attempt, end);
    if (job.kind === 'PLATFORM') return partFinished(job, end, execution, ae);
    return actionJobFinished(job, outcome, execution, ae);
  }

  /**
   * A platform part ended: the job DONE with what it pushed, and when it did not succeed its sibling parts
   * stopped, in one transaction (the "a failed platform fails the action and cancels its siblings");
   * then the action moves on once every part is done (`settleParts`).
   */
  async function partFinished(
    job: Job,
    end: { outcome: JobOutcome['status']; error: string | null; result: PlatformImage | null },
    execution: Execution,
    ae: ActionExecution,
  ): Promise<boolean> {
    const done = await store.transaction(async (tx) => {
      if (!(await tx.jobs.finish(job.id, job.attempt, end))) return false;
      if (end.outcome !== 'SUCCESSFUL') await tx.jobs.cancelParts(ae.id, `Cancelled: ${job.platform} did not build.`);
      return true;
    });
    if (!done) return false;
    crashPoint('part.finished');
    notifier.publish(executionTopic(execution.id));
    await settleParts(execution.id, ae.id);
    return true;
  }

  /**
   * The step after a fanned-out build's parts: nothing while one runs; the INDEX job once all succeeded; else a
   * retry of what did not succeed (RETRY and retry_count rebuild only those), or the action's end. Idempotent and
   * compare-and-set throughout: called after each part ends and by the sweep.
   */
  async function settleParts(executionId: number, aeId: number): Promise<void> {
    const execution = await store.executions.byId(executionId);
    const ae = await store.executions.actionExecution(aeId);
    if (!execution || !ae || !WITH_JOB.includes(ae.status)) return;
    const jobs = await store.jobs.ofActionExecution(ae.id);
    if (jobs.some((j) => j.state !== 'DONE')) return;
    const made = await specFor(execution, ae);
    const state =
      'spec' in made ? partsState(made.spec.build.platforms, jobs) : { kind: 'failed' as const, error: made.error };
    if (state.kind === 'running') {
      // Every job is DONE yet a platform has none: the action's platforms changed during the run.
      return void (await endAction(execution, ae, 'FAILED', "The action's platforms changed while it ran; RETRY it."));
    }
    const now = clock.now();
    if (state.kind === 'succeeded' && 'spec' in made) {
      if (indexLive(jobs)) return;
      const queued = await store
        .transaction(async (tx) => {
          // Only while the action runs (an INDEX that already ended made it final); of two settling at once, the
          // one-live-INDEX index refuses the second.
          if (!(await tx.executions.updateActionExecution({ ...ae, progress: 95 }, ['INPROGRESS']))) return false;
          const job = {
            actionExecutionId: ae.id,
            executionId: execution.id,
            pipelineId: execution.pipelineId,
            priority: PRIORITY[execution.priority],
            notBefore: new Date(now.getTime() - CLOCK_SLACK_MS),
          };
          await enqueueIndex(tx, job, made.spec, state.images);
          return true;
        })
        .catch(falseOnConflict);
      if (queued) notifier.publish(JOBS_TOPIC);
      return;
    }
    const error = state.kind === 'failed' ? state.error : 'The action failed.';
    const cancelled =
      ae.status === 'TERMINATING' || (state.kind === 'failed' && 'cancelled' in state && state.cancelled);
    if (!cancelled && 'spec' in made && ae.attempts <= ae.action.retryCount) {
      const parts = await partsPlan(ae, made.spec);
      const note = `Attempt ${ae.attempts} failed: ${error}; retrying in ${ae.action.retryInterval} s.`;
      const retried = await store
        .transaction(async (tx) => {
          await tx.logs.append(ae.id, await tx.logs.count(ae.id), [note]);
          // Another settle took this step first: its note stays, this one is rolled back.
          if (!(await queueIn(tx, execution, ae, made.spec, ae.action.retryInterval, parts)))
            throw new ConflictError('The retry was queued by another step.');
          return true;
        })
        .catch(falseOnConflict);
      if (retried) notifier.publish(JOBS_TOPIC);
      return;
    }
    await endAction(execution, ae, cancelled ? 'TERMINATED' : 'FAILED', error);
  }

  /** Ends an action that has no live job (compare-and-set), then the execution's next step. */
  async function endAction(
    execution: Execution,
    ae: ActionExecution,
    status: 'FAILED' | 'TERMINATED',
    errorMessage: string,
  ): Promise<void> {
    const ended = { ...ae, status, progress: 100, finishDate: clock.now(), errorMessage };
    if (await store.executions.updateActionExecution(ended, WITH_JOB)) {
      notifier.publish(executionTopic(execution.id));
      await advance(execution.id);
    }
  }

  /** A BUILD or INDEX job ended: the action's outcome, or its retry. */
  async function actionJobFinished(
    job: Job,
    outcome: JobOutcome,
    execution: Execution,
    ae: ActionExecution,
  ): Promise<boolean> {
    const cancelled = ae.status === 'TERMINATING' || outcome.status === 'TERMINATED';
    const retry = !cancelled && outcome.status === 'FAILED' && ae.attempts <= ae.action.retryCount;
    const made = retry ? await specFor(execution, ae) : null;
    const parts = made && 'spec' in made ? await partsPlan(ae, made.spec) : null;
    const now = clock.now();
    const errorMessage = cancelled
      ? (outcome.error ?? 'Cancelled.')
      : outcome.status === 'FAILED'
        ? (outcome.error ?? 'The action failed.')
        : null;
    const ended = { ...ae, status: cancelled ? 'TERMINATED' : outcome.status, progress: 100, finishDate: now };
    const done = await store.transaction(async (tx) => {
      const end = { outcome: outcome.status, error: outcome.error ?? null };
      if (!(await tx.jobs.finish(job.id, job.attempt, end))) return false;
      if (made && 'spec' in made) {
        const note = `Attempt ${ae.attempts} failed: ${outcome.error ?? 'unknown error'}; retrying in ${ae.action.retryInterval} s.`;
        await tx.logs.append(ae.id, await tx.logs.count(ae.id), [note]);
        await queueIn(tx, execution, ae, made.spec, ae.action.retryInterval, parts);
        return true;
      }
      const error = made && 'error' in made ? made.error : errorMessage;
      await tx.executions.updateActionExecution({ ...ended, errorMessage: error }, WITH_JOB);
      return true;
    });
    if (!done) return false;
    crashPoint('job.finished');
    notifier.publish(executionTopic(execution.id));
    if (made && 'spec' in made) notifier.publish(JOBS_TOPIC);
    else await advance(execution.id);
    return true;
  }

  /**
   * Heals what a crash or a lost race left between two steps, then advances every unfinished execution. An action
   * execution that says it is queued, running or being cancelled but has no live job ends: ENQUEUED goes back to
   * INITIAL (it is queued again), INPROGRESS fails saying so, TERMINATING is TERMINATED. Every write is a
   * compare-and-set, so a step that completes meanwhile wins. Run at start (`recover`) and every `SWEEP_MS`.
   */
  async function sweep(): Promise<number> {
    let healed = 0;
    for (const execution of await store.executions.unfinished()) {
      for (const ae of await store.executions.actionExecutions(execution.id)) {
        if (!WITH_JOB.includes(ae.status)) continue;
        if (await store.jobs.live(ae.id)) continue;
        const jobs = await store.jobs.ofActionExecution(ae.id);
        if (ae.status !== 'ENQUEUED' && jobs.some((j) => j.kind === 'PLATFORM')) {
          // A fanned-out build whose parts all ended but whose next step was lost: take that step now.
          await settleParts(execution.id, ae.id).catch(() => undefined);
          healed++;
          continue;
        }
        const now = clock.now();
        const fix: ActionExecution =
          ae.status === 'ENQUEUED'
            ? { ...ae, status: 'INITIAL' }
            : ae.status === 'TERMINATING'
              ? { ...ae, status: 'TERMINATED', finishDate: now, errorMessage: ae.errorMessage ?? 'Cancelled.' }
              : {
                  ...ae,
                  status: 'FAILED',
                  finishDate: now,
                  errorMessage:
                    'The server stopped between two steps of this action and its outcome was lost; run it again or RETRY.',
                };
        if (await store.executions.updateActionExecution(fix, [ae.status])) healed++;
      }
      await advance(execution.id).catch(() => undefined);
    }
    return healed;
  }

  return { advance, jobFinished, enqueue, finishExecution, serial, sweep, settleParts };
}
export type Orchestrator = ReturnType<typeof createOrchestrator>;

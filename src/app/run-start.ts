import { randomBytes } from 'node:crypto';
import { ConflictError, ValidationError } from '../domain/errors.js';
import {
  triggeredOnOf,
  type Execution,
  type ExecutionTrigger,
  type ExecutionVariable,
  type Revision,
} from '../domain/execution.js';
import { isRefDeletionKey } from '../domain/git-event-key.js';
import type { Pipeline } from '../domain/pipeline.js';
import { DEFAULT_BRANCH, type Project } from '../domain/project.js';
import { checkLocalRepo, type LocalRepoRule } from '../domain/repo-url.js';
import { crashPoint } from './crash-point.js';
import type { RunInput } from './executions.js';
import { executionTopic, type Orchestrator } from './orchestrator.js';
import type { Notifier } from './ports/notifier.js';
import type { Clock } from './ports/clock.js';
import type { RevisionSource } from './ports/revision-source.js';
import type { Secrets } from './ports/secrets.js';
import type { Store } from './ports/store.js';
import { checkRunVariables } from './run-variables.js';
import { repositorySourceOf } from './repository-source.js';
import { ownerIn } from './sealing.js';
import type { TriggerGate } from './trigger-gate.js';

/** Who or what starts a run, and, for a trigger, its claim on the event. */
export interface RunOrigin {
  trigger: ExecutionTrigger;
  /** The git event (`<ref> <sha>`): a second run of the pipeline for it is not made (null is returned). */
  key?: string;
  /** The user the run is shown as created by (a trigger's run: the pipeline's creator). */
  creatorId: number;
  /** The email of the person who asked for the run (TRIGGERING_USER_IS); absent for a trigger. */
  userEmail?: string;
  /**
   * Claims the event inside the transaction that creates the run (a schedule's tick, a moved ref): false when
   * another replica claimed it first, and then nothing is written. Exactly once across replicas rests on this.
   */
  claim?: (tx: Store) => Promise<boolean>;
}

/**
 * Starting a run, whoever asks (a person through the API, a push, a schedule, a webhook): the run's variables are
 * checked and sealed, the revision resolved from the repository, the execution and its action executions written
 * in one transaction with the trigger's claim, and the orchestrator moves it on after the commit.
 */
export function createRunStarter(deps: {
  store: Store;
  secrets: Secrets;
  clock: Clock;
  orchestrator: Orchestrator;
  revisions: RevisionSource;
  localRepos: LocalRepoRule;
  gate: TriggerGate;
  notifier: Notifier;
  /** A trigger's run that the pipeline's trigger conditions stopped (nothing is written but the trigger's claim). */
  onHeld?: (pipeline: Pipeline, trigger: ExecutionTrigger, reason: string) => void;
}) {
  const { store, orchestrator } = deps;

  const sourceOf = (project: Project, url: string) => repositorySourceOf(deps.secrets, project, url);

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
    const source = sourceOf(project, project.repository.url);
    const revision = input.revision && input.revision !== 'HEAD' ? input.revision : null;
    const request = { branch: input.branch ?? null, revision, tag: input.tag ?? null };
    try {
      return {
        revision: await deps.revisions.resolve(`p${project.id}`, source, request, project.repository.defaultBranch),
        error: null,
      };
    } catch (error) {
      // A project made without "default_branch" has the placeholder "master"; when the repository has no such
      // branch, its own HEAD decides, and the project learns the name (Buddy's update-from-external behaviour).
      if (input.branch == null && input.tag == null && project.repository.defaultBranch === DEFAULT_BRANCH) {
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
    sourceOf,
    /** The new execution, or null when the origin's claim was lost (nothing written). */
    async start(pipeline: Pipeline, project: Project, input: RunInput, origin: RunOrigin): Promise<Execution | null> {
      if (pipeline.disabled)
        throw new ValidationError(`Pipeline ${pipeline.id} is disabled; enable it before running it.`);
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
      if (!error) {
        const run = { id: 0, revision, comment: input.comment ?? null, variables };
        const gate = await deps.gate.check(pipeline.triggerConditions, {
          project,
          pipeline,
          run,
          userEmail: origin.userEmail ?? null,
        });
        if (!gate.pass) return held(pipeline, origin, gate.reason);
      }
      return startResolved(pipeline, input, origin, { variables, actions, revision, error });
    },
  };

  /**
   * Buddy's "skip to the most recent": a push to a ref ends the runs of earlier pushes to it that still wait,
   * unstarted, behind another run of the pipeline (TERMINATED, saying which run superseded them), so a team pushing
   * 10 times during a 20-minute build gets one more build, of the newest commit, not 10. Each is ended by a
   * compare-and-set on ENQUEUED, as the orchestrator starts one: of the two, one wins, and a run that started
   * builds. A pipeline with `no_skip_to_most_recent` builds every push. Returns the runs ended.
   */
  async function supersedeWaitingPushes(tx: Store, pipeline: Pipeline, created: Execution): Promise<number[]> {
    const ref = created.trigger.ref;
    if (created.trigger.type !== 'PUSH' || !ref || pipeline.options.no_skip_to_most_recent === true) return [];
    // A deleted ref's run builds the default branch, not the ref: it supersedes nothing.
    if (isRefDeletionKey(created.triggerKey)) return [];
    const waiting = await tx.executions.byTrigger(pipeline.id, { type: 'PUSH', ref, statuses: ['ENQUEUED'] }, 100);
    const now = deps.clock.now();
    const ended: number[] = [];
    for (const run of waiting) {
      if (run.id === created.id || run.startDate !== null) continue;
      const errorMessage = `Skipped: run #${created.id} builds a newer push to ${ref} (${created.revision?.sha.slice(0, 7) ?? ''}).`;
      if (!(await tx.executions.update({ ...run, status: 'TERMINATED', finishDate: now, errorMessage }, ['ENQUEUED'])))
        continue;
      for (const a of await tx.executions.actionExecutions(run.id))
        await tx.executions.updateActionExecution({ ...a, status: 'NOT_EXECUTED', finishDate: now }, [a.status]);
      ended.push(run.id);
    }
    return ended;
  }

  /**
   * The pipeline's trigger conditions do not hold. Whoever asked (a person, a webhook call) is told, with nothing
   * written; a push or a schedule starts no run, as in Buddy, but its claim is taken (the tick or the ref change
   * is spent, not tried again every second).
   */
  async function held(pipeline: Pipeline, origin: RunOrigin, reason: string): Promise<null> {
    if (origin.trigger.type === 'MANUAL' || origin.trigger.type === 'WEBHOOK')
      throw new ValidationError(`The pipeline's trigger conditions stop this run: ${reason}`);
    const claim = origin.claim;
    if (claim) await store.transaction((tx) => claim(tx));
    deps.onHeld?.(pipeline, origin.trigger, reason);
    return null;
  }

  async function startResolved(
    pipeline: Pipeline,
    input: RunInput,
    origin: RunOrigin,
    resolved: {
      variables: ExecutionVariable[];
      actions: Awaited<ReturnType<Store['actions']['list']>>;
      revision: Revision | null;
      error: string | null;
    },
  ): Promise<Execution | null> {
    const { variables, actions, revision, error } = resolved;
    const now = deps.clock.now();
    // A trigger's run names the branch it built when the trigger named none (a schedule, a webhook call).
    const trigger =
      origin.trigger.type !== 'MANUAL' && origin.trigger.ref === null && revision?.branch
        ? { ...origin.trigger, ref: `refs/heads/${revision.branch}` }
        : origin.trigger;
    const made = await store
      .transaction(async (tx) => {
        if (origin.claim && !(await origin.claim(tx))) return null;
        const created = await tx.executions.create(
          {
            pipelineId: pipeline.id,
            status: error ? 'FAILED' : 'ENQUEUED',
            startDate: null,
            finishDate: error ? now : null,
            triggeredOn: triggeredOnOf(trigger.type),
            trigger,
            triggerKey: origin.key ?? null,
            creatorId: origin.creatorId,
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
        );
        return { created, superseded: error ? [] : await supersedeWaitingPushes(tx, pipeline, created) };
      })
      .catch((error: unknown) => {
        // The unique index on (pipeline, trigger_key): another replica made the run for this event first.
        if (origin.key && error instanceof ConflictError) return null;
        throw error;
      });
    if (!made) return null;
    const { created: execution, superseded } = made;
    crashPoint('run.created');
    for (const id of superseded) deps.notifier.publish(executionTopic(id));
    if (error) await store.pipelines.update({ ...pipeline, lastExecutionStatus: 'FAILED' });
    else await orchestrator.advance(execution.id);
    return (await store.executions.byId(execution.id))!;
  }
}
export type RunStarter = ReturnType<typeof createRunStarter>;

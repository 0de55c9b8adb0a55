import type { Action } from '../domain/action.js';
import type { Execution } from '../domain/execution.js';
import type { Pipeline } from '../domain/pipeline.js';
import type { Project } from '../domain/project.js';
import {
  evaluateTriggerConditions,
  needsChangedFiles,
  pipelinesToLookUp,
  type ConditionContext,
} from '../domain/trigger-conditions.js';
import type { Clock } from './ports/clock.js';
import type { RevisionSource } from './ports/revision-source.js';
import type { Secrets } from './ports/secrets.js';
import type { Store } from './ports/store.js';
import { repositorySourceOf } from './repository-source.js';
import type { RunFacts, VariableScopes } from './variable-scope.js';

/** How far back the last successful run on the branch is looked for (ON_CHANGE's "since"): its newest 50 successes. */
const SUCCESSES_LOOKED_AT = 50;

export interface GateSubject {
  project: Project;
  pipeline: Pipeline;
  /** For an action's conditions; absent for the pipeline's. */
  action?: Action;
  /** The run as far as it is known (a run not yet created has id 0: `$BUDDY_EXECUTION_ID` is "0"). */
  run: RunFacts;
  /** The email of the person who asked for the run; null for a push, a schedule or a webhook. */
  userEmail: string | null;
}

export type GateResult = { pass: true } | { pass: false; reason: string };

/**
 * Trigger conditions (pipeline: may a run start; action: does it run or is it SKIPPED) evaluated against the run:
 * its variables, the files changed since the pipeline's last successful run on the branch, other pipelines' last
 * status, the time. The pure evaluation is domain/trigger-conditions.ts; this gathers what it reads, and only what
 * the conditions need (a `git diff` only for ON_CHANGE kinds).
 */
export function createTriggerGate(deps: {
  store: Store;
  secrets: Secrets;
  clock: Clock;
  revisions: RevisionSource;
  scopes: VariableScopes;
}) {
  const { store } = deps;

  /**
   * The files changed since the pipeline's last successful run (on the run's branch when its `git_changeset_base`
   * is LATEST_RUN_MATCHING_REF; LATEST_RUN, the default, takes any branch); null when there is none.
   */
  async function changedFiles(subject: GateSubject): Promise<string[] | null> {
    const { project, pipeline, run } = subject;
    if (!run.revision || !project.repository.url) return null;
    const successes = await store.executions.byTrigger(pipeline.id, { statuses: ['SUCCESSFUL'] }, SUCCESSES_LOOKED_AT);
    const sameRef = subject.pipeline.options.git_changeset_base === 'LATEST_RUN_MATCHING_REF';
    const last = successes.find(
      (e: Execution) => e.id !== run.id && e.revision && (!sameRef || e.revision.branch === run.revision!.branch),
    );
    if (!last?.revision) return null;
    if (last.revision.sha === run.revision.sha) return [];
    const source = repositorySourceOf(deps.secrets, project, project.repository.url);
    return deps.revisions.changedFiles(`p${project.id}`, source, last.revision.sha, run.revision.sha);
  }

  /** Last statuses of the pipelines SUCCESS_PIPELINE names, by project and pipeline name, in this workspace. */
  async function lastStatuses(subject: GateSubject, conditions: readonly Record<string, unknown>[]) {
    const found = new Map<string, string>();
    for (const { projectName, pipelineName } of pipelinesToLookUp(conditions)) {
      const project = await store.projects.byName(subject.project.workspaceId, projectName);
      if (!project) continue;
      const pipelines = await store.pipelines.list({ projectId: project.id }, { page: 1, perPage: 10_000 });
      const pipeline = pipelines.find((p) => p.name === pipelineName);
      if (pipeline && pipeline.lastExecutionStatus !== 'INITIAL')
        found.set(JSON.stringify([projectName, pipelineName]), pipeline.lastExecutionStatus);
    }
    return found;
  }

  return {
    async check(conditions: readonly Record<string, unknown>[], subject: GateSubject): Promise<GateResult> {
      if (!conditions.length) return { pass: true };
      const statuses = await lastStatuses(subject, conditions);
      const ctx: ConditionContext = {
        changedFiles: needsChangedFiles(conditions) ? await changedFiles(subject) : null,
        variables: await deps.scopes.valuesFor(subject, subject.run),
        now: deps.clock.now(),
        triggeringUserEmail: subject.userEmail,
        lastStatusOf: (projectName, pipelineName) => statuses.get(JSON.stringify([projectName, pipelineName])) ?? null,
      };
      return evaluateTriggerConditions(conditions, ctx);
    },
  };
}
export type TriggerGate = ReturnType<typeof createTriggerGate>;

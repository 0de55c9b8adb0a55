import type { Pipeline, PipelineEvent } from '../domain/pipeline.js';
import type { Project } from '../domain/project.js';
import { gitEventKey } from '../domain/git-event-key.js';
import { branchOf, refsMatch, skipsCi, tagOf } from '../domain/ref-pattern.js';
import { crashPoint } from './crash-point.js';
import type { Clock } from './ports/clock.js';
import type { RevisionSource } from './ports/revision-source.js';
import type { RecordedRef } from './ports/trigger-repo.js';
import type { Store } from './ports/store.js';
import type { RunStarter } from './run-start.js';

/** The events a git change can fire. */
const GIT_EVENTS = ['PUSH', 'CREATE_REF', 'DELETE_REF'] as const;

/** What a push webhook hints: it wakes the poll of its project; the repository, not the payload, says what moved. */
export interface PushHint {
  ref: string;
  before: string | null;
  after: string | null;
  pusher: string | null;
}

/** One ref that moved, appeared or disappeared (its `move`-th recorded move); `pusher` when a webhook said who. */
export interface RefChange extends PushHint {
  move: number;
}

/** The refs that differ between the record and the remote, each as its next move. */
function changesBetween(known: Map<string, RecordedRef>, remote: Map<string, string>, hint?: PushHint): RefChange[] {
  const changes: RefChange[] = [];
  for (const ref of new Set([...known.keys(), ...remote.keys()])) {
    const recorded = known.get(ref);
    const before = recorded?.sha ?? null;
    const after = remote.get(ref) ?? null;
    if (before === after) continue;
    const pusher = hint && hint.ref === ref && hint.after === after ? hint.pusher : null;
    changes.push({ ref, before, after, pusher, move: (recorded?.moves ?? 0) + 1 });
  }
  return changes;
}

/** The event types of a pipeline that this change fires (a creation fires PUSH too: it is a push of a new ref). */
function fires(event: PipelineEvent, pipeline: Pipeline, change: RefChange): boolean {
  const kind = change.before === null ? 'CREATE_REF' : change.after === null ? 'DELETE_REF' : 'PUSH';
  const typeFits = event.type === kind || (event.type === 'PUSH' && kind === 'CREATE_REF');
  if (!typeFits) return false;
  const patterns = event.refs.length ? event.refs : pipeline.refs;
  // Tags fire only when a pattern names them (no patterns: every branch, as Buddy's default).
  return refsMatch(patterns, change.ref);
}

/**
 * Push triggers. Every project with a pipeline that has a PUSH, CREATE_REF or DELETE_REF event is polled with `git
 * ls-remote` every `intervalMs` (its first poll at a random point of the first interval, so N projects do not poll
 * at once); the first poll only records the refs. A replica claims a project's poll by moving its `next_poll_at`
 * (compare-and-set), so two replicas do not both poll it. A change runs each matching pipeline once: the run carries
 * the key of the ref's move (`gitEventKey`), unique per pipeline in the database, so a move seen twice (two
 * replicas, a poll and a webhook, a replayed webhook) starts one run, and the move is recorded only after its runs
 * are made, so a crash in between retries it at the next poll and starts only the runs still missing. A push
 * webhook only wakes the poll of its project.
 */
export function createGitPoller(deps: {
  store: Store;
  clock: Clock;
  runs: RunStarter;
  revisions: RevisionSource;
  intervalMs: number;
  random?: () => number;
}) {
  const { store, clock } = deps;
  const random = deps.random ?? Math.random;

  /** Starts (or moves on) the run of each pipeline the change fires; returns how many runs it started. */
  async function handle(project: Project, pipelines: Pipeline[], change: RefChange): Promise<number> {
    const matching = pipelines.filter((p) => !p.disabled && p.events.some((e) => fires(e, p, change)));
    if (!matching.length) return 0;
    const source = deps.runs.sourceOf(project, project.repository.url!);
    let message = '';
    if (change.after !== null) {
      const revision = await deps.revisions.resolve(
        `p${project.id}`,
        source,
        { branch: null, revision: change.after },
        project.repository.defaultBranch,
      );
      message = revision.message;
    }
    if (skipsCi(message)) return 0;
    let started = 0;
    for (const pipeline of matching) {
      const branch = branchOf(change.ref);
      const tag = tagOf(change.ref);
      const input =
        change.after === null
          ? { branch: null, revision: null } // a deleted ref: the run builds the default branch
          : { branch, tag, revision: change.after };
      const run = await deps.runs.start(pipeline, project, input, {
        trigger: { type: 'PUSH', ref: change.ref, by: change.pusher },
        key: gitEventKey(change.ref, change.move, change.after),
        creatorId: pipeline.creatorId,
      });
      if (run) started++;
    }
    return started;
  }

  /**
   * Reads the project's refs and handles each change since the last read; the first read only records them, in
   * one transaction with the compare-and-set of `recorded`, so of two first reads at once (a tick and a webhook's
   * poll) one records and the other, seeing it, handles what moved since as any later poll does.
   */
  async function poll(projectId: number, hint?: PushHint): Promise<number> {
    const project = await store.projects.find(projectId);
    const pipelines = project?.repository.url ? await store.pipelines.withEvents(GIT_EVENTS, projectId) : [];
    if (!project?.repository.url || !pipelines.length) {
      await store.gitRefs.removePoll(projectId);
      return 0;
    }
    const remote = await deps.revisions.listRefs(deps.runs.sourceOf(project, project.repository.url));
    if (!(await store.gitRefs.pollOf(projectId))?.recorded) {
      const changes = changesBetween(await store.gitRefs.refs(projectId), remote, hint);
      const first = await store.transaction(async (tx) => {
        if (!(await tx.gitRefs.markRecorded(projectId))) return false;
        for (const c of changes) await tx.gitRefs.moveRef(projectId, c.ref, c.move - 1, c.after);
        return true;
      });
      if (first) {
        // Except the ref a webhook names: its push is what woke us, and runs (as a push, not a creation).
        const hinted = changes.find((c) => c.ref === hint?.ref);
        return hinted ? handle(project, pipelines, { ...hinted, before: hint!.before }) : 0;
      }
    }
    let started = 0;
    for (const change of changesBetween(await store.gitRefs.refs(projectId), remote, hint)) {
      started += await handle(project, pipelines, change);
      crashPoint('push.runs-started');
      await store.gitRefs.moveRef(projectId, change.ref, change.move - 1, change.after);
    }
    return started;
  }

  return {
    /** Polls every due project this replica claims; resolves to the runs started and the polls that failed. */
    async tick(): Promise<{ started: number; failed: { projectId: number; error: unknown }[] }> {
      let started = 0;
      const failed: { projectId: number; error: unknown }[] = [];
      const now = clock.now();
      for (const due of await store.gitRefs.duePolls(now, 100)) {
        const next = new Date(now.getTime() + deps.intervalMs);
        if (!(await store.gitRefs.claimPoll(due.projectId, due.nextPollAt, next))) continue;
        try {
          started += await poll(due.projectId);
        } catch (error) {
          failed.push({ projectId: due.projectId, error });
        }
      }
      return { started, failed };
    },
    /** A push webhook for the project: polls it now (its `hint` only names who pushed what it then sees). */
    async pollNow(projectId: number, hint: PushHint): Promise<number> {
      await store.gitRefs.ensurePoll(projectId, clock.now());
      return poll(projectId, hint);
    },
    /** Adds the poll of every project with a push pipeline, spread over one interval; drops the others'. */
    async reconcile(): Promise<void> {
      const now = clock.now().getTime();
      const wanted = new Set<number>();
      for (const p of await store.pipelines.withEvents(GIT_EVENTS)) wanted.add(p.projectId);
      for (const projectId of wanted)
        await store.gitRefs.ensurePoll(projectId, new Date(now + Math.floor(random() * deps.intervalMs)));
      for (const poll of await store.gitRefs.polls())
        if (!wanted.has(poll.projectId)) await store.gitRefs.removePoll(poll.projectId);
    },
  };
}
export type GitPoller = ReturnType<typeof createGitPoller>;

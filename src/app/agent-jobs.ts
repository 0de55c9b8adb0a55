import { randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError } from '../domain/errors.js';
import { isKnown, type EffectivePlatforms, type PlatformReport } from '../domain/agent-platforms.js';
import { claimRouteWarm, DEFAULT_NATIVE_WAIT_MS, routingPlatforms } from '../domain/platform-routing.js';
import type { JobSpec } from '../domain/job-spec.js';
import { createMasker, maskSecrets } from '../domain/secret-masking.js';
import { partsProgress } from './build-parts.js';
import { openJobSpec } from './sealed-job-spec.js';
import { JOBS_TOPIC, executionTopic, type JobOutcome, type Orchestrator } from './orchestrator.js';
import type { Agent } from './ports/agent-repo.js';
import type { Job } from './ports/job-queue.js';
import type { Notifier } from './ports/notifier.js';
import type { Clock } from './ports/clock.js';
import type { Secrets } from './ports/secrets.js';
import type { Store } from './ports/store.js';
import { crashPoint } from './crash-point.js';

/** A job's lease: heartbeats every ~10 s renew it; after this long without one the job fails as "agent lost". */
export const DEFAULT_LEASE_MS = 30_000;
/**
 * A job whose lease ends before its agent ever reported (the claim's answer never reached it, or it died at
 * once) was not started: it goes back to the queue, up to this many claims, and then fails.
 */
export const MAX_UNSTARTED_CLAIMS = 3;
export const logTopic = (actionExecutionId: number) => `log:${actionExecutionId}`;
/** A platform part whose agent was lost goes back to the queue this many times before it fails the action. */
export const MAX_PART_CLAIMS = 3;

/** The server side of the agent protocol: agent tokens, claim (long-poll), heartbeat, logs, finish, the reaper. */
export function createAgentJobs(deps: {
  store: Store;
  secrets: Secrets;
  clock: Clock;
  notifier: Notifier;
  orchestrator: Orchestrator;
  leaseMs?: number;
  /** How long a platform part waits for a known native agent (ARCHWAY_NATIVE_WAIT_SECONDS). */
  nativeWaitMs?: number;
}) {
  const { store, clock, notifier, orchestrator } = deps;
  const LEASE_MS = deps.leaseMs ?? DEFAULT_LEASE_MS;

  async function running(
    agent: Agent,
    jobId: number,
    attempt: number,
    repos: Pick<Store, 'jobs'> = store,
  ): Promise<Job> {
    const job = await repos.jobs.byId(jobId);
    if (!job) throw new NotFoundError(`Job ${jobId} not found.`);
    if (job.agentId !== agent.id || job.attempt !== attempt || job.state !== 'RUNNING') {
      throw new ConflictError(
        `Job ${jobId} attempt ${attempt} is no longer this agent's (stale attempt); stop working on it.`,
      );
    }
    return job;
  }

  /**
   * The most urgent runnable job this agent may take, taken (compare-and-set): any BUILD or INDEX job; a PLATFORM
   * part as `claimRouteWarm` says (native first, emulated once no native agent is known or after the wait; the
   * agent whose MIN store for it is warm first among equals).
   */
  async function claimFor(agent: Agent, tx: Store, now: Date): Promise<Job | undefined> {
    const me = routingPlatforms(agent.labels, agent.platforms);
    let known: Map<string, EffectivePlatforms> | null = null;
    const routed = async (job: Job): Promise<boolean> => {
      if (job.kind !== 'PLATFORM' || !job.platform) return true;
      known ??= new Map(
        (await tx.agents.list())
          .filter((a) => a.id === agent.id || isKnown(a.lastSeenAt, now))
          .map((a) => [a.id, routingPlatforms(a.labels, a.platforms)]),
      );
      const warmId = job.cacheKey === null ? null : await tx.jobs.warmAgent(job.cacheKey, job.platform);
      const warmAgent = warmId === null ? undefined : known.get(warmId);
      const warm = warmAgent ? { agent: warmAgent, isMe: warmId === agent.id } : null;
      const waited = now.getTime() - Math.max(job.createdAt.getTime(), job.notBefore.getTime());
      const nativeWait = deps.nativeWaitMs ?? DEFAULT_NATIVE_WAIT_MS;
      return claimRouteWarm(job.platform, me, [...known.values()], waited, nativeWait, warm) !== null;
    };
    return tx.jobs.claim(agent.id, now, new Date(now.getTime() + LEASE_MS), agent.workspaceIds, routed);
  }

  async function tryClaim(
    agent: Agent,
  ): Promise<{ jobId: number; attempt: number; spec: JobSpec; agentName: string } | undefined> {
    const now = clock.now();
    // The claim and the action's INPROGRESS in one transaction: a crash leaves both or neither.
    const job = await store.transaction(async (tx) => {
      const claimed = await claimFor(agent, tx, now);
      const ae = claimed && (await tx.executions.actionExecution(claimed.actionExecutionId));
      if (ae) {
        const started = { ...ae, status: 'INPROGRESS' as const, startDate: ae.startDate ?? now, progress: 0 };
        await tx.executions.updateActionExecution(started, ['ENQUEUED']);
      }
      return claimed;
    });
    if (!job) return undefined;
    crashPoint('job.claimed');
    notifier.publish(executionTopic(job.executionId));
    return {
      jobId: job.id,
      attempt: job.attempt,
      spec: openJobSpec(deps.secrets, job.spec, job.actionExecutionId),
      agentName: agent.name,
    };
  }

  /** A job its agent never started goes back to the queue (a cancelled one ends instead); a stale attempt is left alone. */
  async function putBack(job: Job): Promise<void> {
    if (job.cancelRequested) {
      // Cancelled meanwhile: end it here rather than hand it to the next agent.
      await orchestrator.jobFinished(job, { status: 'TERMINATED', error: 'Cancelled before it started.' });
      return;
    }
    // The status goes back first and in the same transaction, so a claim right after cannot be overwritten.
    await store
      .transaction(async (tx) => {
        const ae = await tx.executions.actionExecution(job.actionExecutionId);
        // A platform part leaves the action INPROGRESS: its sibling parts may be running.
        if (ae && job.kind !== 'PLATFORM')
          await tx.executions.updateActionExecution({ ...ae, status: 'ENQUEUED' }, ['INPROGRESS']);
        if (!(await tx.jobs.release(job.id, job.attempt)))
          throw new ConflictError(`Job ${job.id} attempt ${job.attempt} is stale.`);
      })
      .catch((error: unknown) => {
        if (!(error instanceof ConflictError)) throw error;
      });
    notifier.publish(JOBS_TOPIC);
    notifier.publish(executionTopic(job.executionId));
  }

  return {
    /**
     * Creates an agent and returns its token (shown once, stored hashed). `workspaceIds` null: a global agent that
     * claims every workspace's jobs; otherwise only jobs of those workspaces. Authorization is the caller's
     * (`app/agents.ts` for the API, the composition root for the built-in agent).
     */
    async registerAgent(
      name: string,
      labels: string[],
      id = `agent-${randomBytes(6).toString('hex')}`,
      workspaceIds: number[] | null = null,
    ): Promise<{ agent: Agent; token: string }> {
      const token = deps.secrets.newToken();
      await store.agents.remove(id);
      const tokenHash = deps.secrets.digestToken(token);
      const agent = await store.agents.create({ id, name, labels, workspaceIds, tokenHash });
      return { agent, token };
    },
    async authenticate(token: string | undefined): Promise<Agent> {
      const agent = token ? await store.agents.byTokenHash(deps.secrets.digestToken(token)) : undefined;
      if (!agent) throw new UnauthorizedError('Missing or invalid agent token.');
      return agent;
    },
    /** The agent's hello at start: what it runs, recorded with the time it was seen. */
    async hello(agent: Agent, platforms: PlatformReport): Promise<Agent> {
      const now = clock.now();
      await store.agents.report(agent.id, platforms, now);
      return { ...agent, platforms, lastSeenAt: now };
    },
    /** The time agents are seen by (`lastSeenAt`), so that "seen in the last 60 s" reads the same clock. */
    now: () => clock.now(),
    /** Long-poll: a job as soon as one is runnable, or undefined after `waitMs`. */
    async claim(agent: Agent, waitMs: number, signal?: AbortSignal) {
      const deadline = Date.now() + waitMs;
      await store.agents.touch(agent.id, clock.now());
      for (;;) {
        // An agent that hung up must not be handed a job it will never hear about.
        if (signal?.aborted) return undefined;
        const claimed = await tryClaim(agent);
        if (claimed) return claimed;
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        // Wake on a new job, or every second for jobs whose retry delay has passed.
        await notifier.wait(JOBS_TOPIC, Math.min(left, 1000), signal);
      }
    },
    /** Gives back a job whose claim never reached its agent (it hung up while the claim was being answered). */
    async release(agent: Agent, jobId: number, attempt: number): Promise<void> {
      await putBack(await running(agent, jobId, attempt));
    },
    async heartbeat(agent: Agent, jobId: number, attempt: number, progress?: number): Promise<{ cancel: boolean }> {
      await running(agent, jobId, attempt);
      const now = clock.now();
      const job = await store.jobs.renew(jobId, attempt, new Date(now.getTime() + LEASE_MS), now);
      if (!job) throw new ConflictError(`Job ${jobId} attempt ${attempt} is stale.`);
      // A busy agent claims nothing for as long as its job runs: its heartbeats keep it seen (known).
      await store.agents.touch(agent.id, now);
      if (progress !== undefined) {
        const ae = await store.executions.actionExecution(job.actionExecutionId);
        const own = Math.max(0, Math.min(100, progress));
        const shown =
          job.kind === 'PLATFORM'
            ? Math.max(
                ae?.progress ?? 0,
                partsProgress(await store.jobs.ofActionExecution(job.actionExecutionId), job.id, own),
              )
            : own;
        // Only while INPROGRESS: a late heartbeat never puts a finished action back.
        if (ae)
          await store.executions.updateActionExecution({ ...ae, progress: Math.min(99, Math.round(shown)) }, [
            'INPROGRESS',
          ]);
      }
      return { cancel: job.cancelRequested };
    },
    async appendLogs(
      agent: Agent,
      jobId: number,
      attempt: number,
      offset: number,
      lines: string[],
    ): Promise<{ next: number }> {
      // Checked and written in one transaction under the job's row lock: a batch of a dead attempt still in flight
      // cannot land after the reaper ended that attempt and the next one took the offsets after it (the next
      // attempt's log base is read when it is claimed, which waits for this lock through the finish).
      const { job, next } = await store.transaction(async (tx) => {
        const locked = await tx.jobs.lockRunning(jobId, attempt);
        if (!locked || locked.agentId !== agent.id) {
          // Through the transaction: on SQLite's one connection a read beside it would wait for it forever.
          await running(agent, jobId, attempt, tx); // throws the 404 or 409 that fits
          throw new ConflictError(`Job ${jobId} attempt ${attempt} is stale.`);
        }
        const job = locked;
        // A job that logged is started: it is never handed to another agent, which would log the same part again.
        if (job.startedAt === null) await tx.jobs.markStarted(jobId, attempt, clock.now());
        // The agent counts its attempt's lines from 0: a batch before what it sent so far is a resend (only its
        // new lines count), one past it a gap. They go at the log's end, where parts running side by side meet.
        if (offset > job.logReceived)
          throw new ConflictError(
            `Log offset ${offset} is past the lines received (${job.logReceived}); resend from ${job.logReceived}.`,
          );
        const fresh = lines.slice(job.logReceived - offset);
        if (fresh.length > 0) {
          const mask = createMasker(openJobSpec(deps.secrets, job.spec, job.actionExecutionId).mask);
          await tx.logs.appendAtEnd(
            job.actionExecutionId,
            fresh.map((l) => mask(l)),
          );
          await tx.jobs.addReceived(jobId, attempt, fresh.length);
        }
        return { job, next: job.logReceived + fresh.length };
      });
      notifier.publish(logTopic(job.actionExecutionId));
      return { next };
    },
    async finish(agent: Agent, jobId: number, attempt: number, outcome: JobOutcome): Promise<void> {
      const job = await running(agent, jobId, attempt);
      const result = job.kind === 'PLATFORM' && outcome.status === 'SUCCESSFUL' ? (outcome.result ?? null) : null;
      if (job.kind === 'PLATFORM' && outcome.status === 'SUCCESSFUL' && result?.platform !== job.platform)
        throw new ValidationError(`Job ${jobId} builds ${job.platform}: its result must be that platform's image.`);
      const finished = await orchestrator.jobFinished(job, {
        status: outcome.status,
        error:
          outcome.error && maskSecrets(outcome.error, openJobSpec(deps.secrets, job.spec, job.actionExecutionId).mask),
        result,
      });
      if (!finished) throw new ConflictError(`Job ${jobId} attempt ${attempt} is stale.`);
    },
    /**
     * Fails jobs whose agent stopped sending heartbeats, and puts back those whose agent never started them
     * (up to MAX_UNSTARTED_CLAIMS claims). Called periodically by the server.
     */
    async reap(): Promise<number> {
      const expired = await store.jobs.expired(clock.now());
      for (const job of expired) {
        if (job.startedAt === null && job.attempt < MAX_UNSTARTED_CLAIMS) {
          await putBack(job);
          continue;
        }
        if (job.kind === 'PLATFORM' && job.attempt < MAX_PART_CLAIMS && !job.cancelRequested) {
          // An agent lost in the middle of one platform: that platform only goes back to the queue.
          await store.transaction((tx) =>
            tx.logs.appendAtEnd(job.actionExecutionId, [
              `[${job.platform}] Agent "${job.agentId}" was lost (no heartbeat for ${LEASE_MS / 1000} s); ${job.platform} is queued again.`,
            ]),
          );
          notifier.publish(logTopic(job.actionExecutionId));
          await putBack(job);
          continue;
        }
        const error =
          job.startedAt === null
            ? `Agent lost: the job was handed to an agent ${job.attempt} times and none started it (the last, "${job.agentId}", sent nothing for ${LEASE_MS / 1000} s); check the agents' logs, then run again or RETRY.`
            : `Agent lost: no heartbeat from agent "${job.agentId}" for ${LEASE_MS / 1000} s (it crashed, was killed or lost the network); run again or RETRY.`;
        await orchestrator.jobFinished(job, { status: 'FAILED', error });
      }
      return expired.length;
    },
    /** Start-up: one sweep heals what a crash left between two steps and carries on every unfinished execution. */
    async recover(): Promise<void> {
      await orchestrator.sweep();
    },
  };
}
export type AgentJobs = ReturnType<typeof createAgentJobs>;

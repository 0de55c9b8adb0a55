import { describe, expect, it } from 'vitest';
import { ConflictError } from '../domain/errors.js';
import type { Job } from '../app/ports/job-queue.js';
import type { Platform } from '../domain/platform.js';
import type { Store } from '../app/ports/store.js';
import {
  jobSpec,
  newAction,
  newActionExecution,
  newExecution,
  scene,
  useStore,
  type MakeStore,
} from './contract-fixtures.js';

const PAST = new Date('2020-01-01T00:00:00.000Z');
const FAR = new Date('2100-01-01T00:00:00.000Z');
const at = (iso: string) => new Date(iso);

/** An execution of a pipeline with `n` actions: the ids jobs refer to. */
async function execution(store: Store, n: number) {
  const { pipeline, user, workspace } = await scene(store);
  const actions = [];
  for (let i = 0; i < n; i++) actions.push(await store.actions.create(newAction(pipeline.id, `a${i}`), i));
  const made = await store.executions.create(
    newExecution(pipeline.id, user.id),
    actions.map((a, i) => newActionExecution(a, i)),
  );
  const aeIds = (await store.executions.actionExecutions(made.id)).map((ae) => ae.id);
  const enqueue = (
    i: number,
    over: Partial<Pick<Job, 'priority' | 'notBefore' | 'kind' | 'platform' | 'inputs' | 'cacheKey'>> = {},
  ) =>
    store.jobs.enqueue({
      actionExecutionId: aeIds[i]!,
      executionId: made.id,
      pipelineId: pipeline.id,
      priority: 0,
      notBefore: PAST,
      spec: jobSpec(made.id, aeIds[i]!),
      ...over,
    });
  return { executionId: made.id, workspaceId: workspace.id, aeIds, enqueue };
}

/** `agent` claims that one job, if it is still QUEUED. */
const take = (store: Store, id: number, agent: string) =>
  store.jobs.claim(agent, new Date(), FAR, null, (j) => j.id === id);

/** Every test starts with no QUEUED or RUNNING job: the queue is global, the store is shared by the group. */
async function drain(store: Store): Promise<void> {
  while (await store.jobs.claim('drain', FAR, FAR));
  for (const job of await store.jobs.expired(new Date('2200-01-01T00:00:00.000Z')))
    await store.jobs.finish(job.id, job.attempt);
}

/** The job queue: claim order and atomicity, leases by attempt, cancel, drop, expiry. */
export function jobContract(makeStore: MakeStore): void {
  describe('jobs', () => {
    const store = useStore(makeStore);

    it('keeps at most one live job per action execution, and finds it', async () => {
      await drain(store());
      const { aeIds, enqueue } = await execution(store(), 1);
      const job = await enqueue(0);
      await expect(enqueue(0)).rejects.toBeInstanceOf(ConflictError);
      expect((await store().jobs.live(aeIds[0]!))?.id).toBe(job.id);
      const claimed = (await store().jobs.claim('a', FAR, FAR))!;
      expect((await store().jobs.live(aeIds[0]!))?.state).toBe('RUNNING');
      await store().jobs.finish(claimed.id, claimed.attempt);
      expect(await store().jobs.live(aeIds[0]!)).toBeUndefined();
      expect((await enqueue(0)).state).toBe('QUEUED'); // a retry, once the first is done
    });

    it('keeps one live job per part of a fanned-out build: each PLATFORM once, one INDEX, beside no BUILD', async () => {
      await drain(store());
      const { aeIds, enqueue } = await execution(store(), 1);
      const arm = await enqueue(0, { kind: 'PLATFORM', platform: 'linux/arm64' });
      const amd = await enqueue(0, { kind: 'PLATFORM', platform: 'linux/amd64' });
      await expect(enqueue(0, { kind: 'PLATFORM', platform: 'linux/arm64' })).rejects.toBeInstanceOf(ConflictError);
      const index = await enqueue(0, { kind: 'INDEX' });
      await expect(enqueue(0, { kind: 'INDEX' })).rejects.toBeInstanceOf(ConflictError);
      expect([arm, amd, index].map((j) => [j.kind, j.platform, j.logReceived, j.outcome, j.result])).toEqual([
        ['PLATFORM', 'linux/arm64', 0, null, null],
        ['PLATFORM', 'linux/amd64', 0, null, null],
        ['INDEX', null, 0, null, null],
      ]);
      expect((await store().jobs.ofActionExecution(aeIds[0]!)).map((j) => j.id)).toEqual([arm.id, amd.id, index.id]);
    });

    it('claims only what `accept` agrees to, offered most urgent first; of claimers racing for one job one wins', async () => {
      await drain(store());
      const { enqueue, workspaceId } = await execution(store(), 3);
      const low = await enqueue(0, { kind: 'PLATFORM', platform: 'linux/arm64' });
      const high = await enqueue(1, { priority: 2 });
      await enqueue(2, { notBefore: FAR });
      const now = new Date();
      const offered = async (workspaceIds: number[] | null) => {
        const seen: number[] = [];
        const got = await store().jobs.claim('picky', now, FAR, workspaceIds, (j) => (seen.push(j.id), false));
        expect(got).toBeUndefined();
        return seen;
      };
      expect(await offered(null)).toEqual([high.id, low.id]);
      expect(await offered([workspaceId])).toEqual([high.id, low.id]);
      expect(await offered([workspaceId + 1000])).toEqual([]);
      expect(await offered([])).toEqual([]);
      const races = await Promise.all(['a', 'b', 'c'].map((agent) => take(store(), low.id, agent)));
      const won = races.filter((j): j is Job => j !== undefined);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ state: 'RUNNING', attempt: 1, kind: 'PLATFORM', logReceived: 0 });
      await store().jobs.addReceived(low.id, 1, 7);
      await store().jobs.addReceived(low.id, 2, 100); // a stale attempt counts nothing
      expect((await store().jobs.byId(low.id))?.logReceived).toBe(7);
    });

    it("stops the other parts of an action execution: running ones flagged, queued ones ended; other actions' jobs untouched", async () => {
      await drain(store());
      const { aeIds, enqueue } = await execution(store(), 2);
      const running = await enqueue(0, { kind: 'PLATFORM', platform: 'linux/arm64' });
      const queued = await enqueue(0, { kind: 'PLATFORM', platform: 'linux/arm/v7' });
      const other = await enqueue(1);
      await take(store(), running.id, 'a');
      await store().jobs.cancelParts(aeIds[0]!, 'Cancelled: linux/amd64 failed.');
      expect(await store().jobs.byId(running.id)).toMatchObject({ state: 'RUNNING', cancelRequested: true });
      expect(await store().jobs.byId(queued.id)).toMatchObject({
        state: 'DONE',
        outcome: 'TERMINATED',
        error: 'Cancelled: linux/amd64 failed.',
        spec: '',
      });
      expect(await store().jobs.byId(other.id)).toMatchObject({ state: 'QUEUED', cancelRequested: false });
    });

    it('names the agent that last built a platform with a MIN cache key successfully', async () => {
      await drain(store());
      const { enqueue } = await execution(store(), 3);
      const key = `scope-${Math.random()}`;
      expect(await store().jobs.warmAgent(key, 'linux/arm64')).toBeNull();
      const run = async (
        i: number,
        agent: string,
        outcome: 'SUCCESSFUL' | 'FAILED',
        platform: Platform = 'linux/arm64',
      ) => {
        const job = await enqueue(i, { kind: 'PLATFORM', platform, cacheKey: key });
        const claimed = (await take(store(), job.id, agent))!;
        await store().jobs.finish(job.id, claimed.attempt, { outcome });
      };
      await run(0, 'a', 'SUCCESSFUL');
      await run(1, 'b', 'FAILED');
      expect(await store().jobs.warmAgent(key, 'linux/arm64')).toBe('a');
      await run(2, 'c', 'SUCCESSFUL', 'linux/arm/v7');
      expect(await store().jobs.warmAgent(key, 'linux/arm64')).toBe('a');
      expect(await store().jobs.warmAgent(key, 'linux/arm/v7')).toBe('c');
      expect(await store().jobs.warmAgent('another', 'linux/arm64')).toBeNull();
    });

    it('keeps how a job ended and what a PLATFORM job pushed', async () => {
      await drain(store());
      const { enqueue } = await execution(store(), 1);
      const job = await enqueue(0, { kind: 'PLATFORM', platform: 'linux/arm/v7' });
      const claimed = (await take(store(), job.id, 'a'))!;
      const image = {
        platform: 'linux/arm/v7' as const,
        digest: `sha256:${'7'.repeat(64)}`,
        emulated: true,
        durationMs: 1234,
        cachedSteps: 1,
        totalSteps: 3,
        sizeBytes: 4096,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        manifestSize: 765,
      };
      expect(await store().jobs.finish(job.id, claimed.attempt, { outcome: 'SUCCESSFUL', result: image })).toBe(true);
      expect(await store().jobs.byId(job.id)).toMatchObject({ state: 'DONE', outcome: 'SUCCESSFUL', result: image });
      const failing = await enqueue(0, { kind: 'PLATFORM', platform: 'linux/arm/v6', inputs: 'sha256:abc' });
      expect(failing.inputs).toBe('sha256:abc');
      const second = (await take(store(), failing.id, 'b'))!;
      await store().jobs.finish(failing.id, second.attempt, { outcome: 'FAILED', error: 'RUN false exited 1.' });
      expect(await store().jobs.byId(failing.id)).toMatchObject({
        outcome: 'FAILED',
        error: 'RUN false exited 1.',
        result: null,
        inputs: 'sha256:abc',
      });
    });

    it('enqueues a QUEUED job at attempt 0 with its spec', async () => {
      await drain(store());
      const { executionId, aeIds, enqueue } = await execution(store(), 1);
      const job = await enqueue(0, { priority: 3, notBefore: at('2030-05-06T07:08:09.010Z') });
      expect(job).toEqual({
        id: expect.any(Number),
        actionExecutionId: aeIds[0],
        executionId,
        pipelineId: expect.any(Number),
        state: 'QUEUED',
        attempt: 0,
        priority: 3,
        notBefore: at('2030-05-06T07:08:09.010Z'),
        agentId: null,
        leaseUntil: null,
        startedAt: null,
        logBase: 0,
        cancelRequested: false,
        spec: jobSpec(executionId, aeIds[0]!),
        createdAt: expect.any(Date),
        kind: 'BUILD',
        platform: null,
        logReceived: 0,
        outcome: null,
        result: null,
        error: null,
        inputs: null,
        cacheKey: null,
      });
      expect(await store().jobs.byId(job.id)).toEqual(job);
      expect(await store().jobs.byId(job.id + 1000)).toBeUndefined();
    });

    it('claims the most urgent runnable job: highest priority, then oldest; not before its time', async () => {
      await drain(store());
      const { enqueue } = await execution(store(), 4);
      const low = await enqueue(0, { priority: 1 });
      const high = await enqueue(1, { priority: 5 });
      const lowLater = await enqueue(2, { priority: 1 });
      const future = await enqueue(3, { priority: 9, notBefore: at('2030-01-01T00:00:00.000Z') });
      const now = at('2029-01-01T00:00:00.000Z');
      const lease = at('2029-01-01T00:00:30.000Z');
      const claimed = await store().jobs.claim('agent-1', now, lease);
      expect(claimed).toEqual({ ...high, state: 'RUNNING', agentId: 'agent-1', leaseUntil: lease, attempt: 1 });
      expect((await store().jobs.claim('agent-1', now, lease))?.id).toBe(low.id);
      expect((await store().jobs.claim('agent-1', now, lease))?.id).toBe(lowLater.id);
      expect(await store().jobs.claim('agent-1', now, lease)).toBeUndefined();
      expect((await store().jobs.claim('agent-2', at('2030-01-01T00:00:00.000Z'), lease))?.id).toBe(future.id);
    });

    it('hands an agent scoped to workspaces only their jobs; a global agent (null) any', async () => {
      await drain(store());
      const a = await execution(store(), 1);
      const b = await execution(store(), 1);
      const jobA = await a.enqueue(0, { priority: 1 }); // the more urgent one is of another workspace
      const jobB = await b.enqueue(0);
      const now = at('2029-01-01T00:00:00.000Z');
      expect(await store().jobs.claim('scoped', now, FAR, [])).toBeUndefined();
      expect(await store().jobs.claim('scoped', now, FAR, [b.workspaceId + 1000])).toBeUndefined();
      expect((await store().jobs.claim('scoped', now, FAR, [b.workspaceId]))?.id).toBe(jobB.id);
      expect(await store().jobs.claim('scoped', now, FAR, [b.workspaceId])).toBeUndefined();
      expect((await store().jobs.claim('global', now, FAR, null))?.id).toBe(jobA.id);
    });

    it('gives each job to one agent when claims race, inside transactions or not', async () => {
      await drain(store());
      const { enqueue } = await execution(store(), 5);
      for (let i = 0; i < 5; i++) await enqueue(i);
      const claim = (agent: string, inTx: boolean) =>
        inTx
          ? store().transaction((tx) => tx.jobs.claim(agent, new Date(), FAR))
          : store().jobs.claim(agent, new Date(), FAR);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => claim(`agent-${i}`, i % 2 === 0)));
      const won = results.filter((j): j is Job => j !== undefined);
      expect(won).toHaveLength(5);
      expect(new Set(won.map((j) => j.id)).size).toBe(5);
      for (const job of won) expect((await store().jobs.byId(job.id))?.agentId).toBe(job.agentId);
    });

    it('renews and finishes only at the current attempt, the first renewal marking it started; finishing blanks the spec', async () => {
      await drain(store());
      const { enqueue } = await execution(store(), 1);
      const job = await enqueue(0);
      const claimed = (await store().jobs.claim('a', new Date(), at('2031-01-01T00:00:00.000Z')))!;
      expect(claimed.startedAt).toBeNull();
      const later = at('2031-01-01T00:01:00.000Z');
      const first = at('2030-12-31T23:59:00.000Z');
      expect(await store().jobs.renew(job.id, claimed.attempt + 1, later, first)).toBeUndefined();
      expect(await store().jobs.renew(job.id, claimed.attempt, later, first)).toEqual({
        ...claimed,
        leaseUntil: later,
        startedAt: first,
      });
      expect(await store().jobs.renew(job.id, claimed.attempt, later, later)).toEqual({
        ...claimed,
        leaseUntil: later,
        startedAt: first,
      });
      expect(await store().jobs.finish(job.id, claimed.attempt + 1)).toBe(false);
      expect(await store().jobs.finish(job.id, claimed.attempt)).toBe(true);
      expect(await store().jobs.byId(job.id)).toEqual({
        ...claimed,
        state: 'DONE',
        leaseUntil: null,
        startedAt: first,
        spec: '',
      });
      expect(await store().jobs.finish(job.id, claimed.attempt)).toBe(false);
      expect(await store().jobs.renew(job.id, claimed.attempt, later, later)).toBeUndefined();
    });

    it('puts a claimed job back in the queue at its current attempt only; the next claim is a new attempt, not started', async () => {
      await drain(store());
      const { enqueue } = await execution(store(), 1);
      const job = await enqueue(0);
      const claimed = (await store().jobs.claim('a', new Date(), FAR))!;
      const now = at('2030-01-01T00:00:00.000Z');
      await store().jobs.markStarted(job.id, claimed.attempt + 1, now); // stale: no effect
      expect((await store().jobs.byId(job.id))?.startedAt).toBeNull();
      await store().jobs.markStarted(job.id, claimed.attempt, now);
      await store().jobs.markStarted(job.id, claimed.attempt, at('2030-01-01T00:05:00.000Z')); // the first mark stays
      expect((await store().jobs.byId(job.id))?.startedAt).toEqual(now);
      expect(await store().jobs.release(job.id, claimed.attempt + 1)).toBe(false);
      expect(await store().jobs.release(job.id, claimed.attempt)).toBe(true);
      expect(await store().jobs.byId(job.id)).toEqual({ ...claimed, state: 'QUEUED', agentId: null, leaseUntil: null });
      expect(await store().jobs.release(job.id, claimed.attempt)).toBe(false);
      await store().logs.append(job.actionExecutionId, 0, ['attempt 1 line', 'a note of the server']);
      const again = (await store().jobs.claim('b', new Date(), FAR))!;
      expect({ id: again.id, attempt: again.attempt, agentId: again.agentId, startedAt: again.startedAt }).toEqual({
        id: job.id,
        attempt: claimed.attempt + 1,
        agentId: 'b',
        startedAt: null,
      });
      expect({ first: claimed.logBase, next: again.logBase }).toEqual({ first: 0, next: 2 }); // where each attempt's lines start
    });

    it('marks the unfinished jobs of an execution for cancel, and drops its queued ones', async () => {
      await drain(store());
      const run = await execution(store(), 3);
      const bystander = await execution(store(), 1);
      const done = await run.enqueue(0);
      const doneClaim = (await store().jobs.claim('a', new Date(), FAR))!;
      await store().jobs.finish(done.id, doneClaim.attempt);
      const running = await run.enqueue(1);
      await store().jobs.claim('a', new Date(), FAR);
      const queued = await run.enqueue(2);
      const other = await bystander.enqueue(0, { notBefore: FAR });
      await store().jobs.requestCancel(run.executionId);
      const cancel = async (id: number) => (await store().jobs.byId(id))?.cancelRequested;
      expect([
        await cancel(done.id),
        await cancel(running.id),
        await cancel(queued.id),
        await cancel(other.id),
      ]).toEqual([false, true, true, false]);
      expect(await store().jobs.dropQueued(run.executionId)).toEqual([run.aeIds[2]]);
      expect(await store().jobs.byId(queued.id)).toMatchObject({ state: 'DONE', spec: {} });
      expect((await store().jobs.byId(running.id))?.state).toBe('RUNNING');
      expect(await store().jobs.claim('b', new Date(), FAR)).toBeUndefined();
    });

    it('finds RUNNING jobs whose lease ended', async () => {
      await drain(store());
      const { enqueue } = await execution(store(), 2);
      const first = await enqueue(0, { priority: 2 });
      const second = await enqueue(1, { priority: 1 });
      await store().jobs.claim('a', new Date(), at('2030-01-01T00:00:10.000Z'));
      await store().jobs.claim('a', new Date(), at('2030-01-01T00:00:20.000Z'));
      const expired = async (iso: string) => (await store().jobs.expired(at(iso))).map((j) => j.id);
      expect(await expired('2030-01-01T00:00:05.000Z')).toEqual([]);
      expect(await expired('2030-01-01T00:00:15.000Z')).toEqual([first.id]);
      expect((await expired('2030-01-01T00:00:25.000Z')).sort((x, y) => x - y)).toEqual([first.id, second.id]);
    });
  });
}

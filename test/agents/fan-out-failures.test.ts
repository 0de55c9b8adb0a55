import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgentClient, type AgentClient, type ClaimedJob } from '../../src/agent/http-client.js';
import { startApi, type Api } from '../support/api-harness.js';
import { madeUpImage, partOf } from '../support/part-results.js';
import { initDockerfileRepo } from '../support/runnable-pipeline.js';

const P = '/workspaces/acme/projects/site/pipelines';

/**
 * What ends a fanned-out build early, against a real server with agents speaking the real protocol (no build
 * behind them: the server's state machine is under test): a CANCEL while one part runs and another waits, and an
 * agent lost in the middle of one platform (no heartbeat for the lease), which re-queues that platform only.
 */
describe('a fanned-out build cancelled, or losing an agent mid-platform', () => {
  let api: Api;
  let work: string;
  let pipeline: number;
  const agents: Record<'a' | 'b', AgentClient> = {} as never;

  async function claim(name: 'a' | 'b'): Promise<ClaimedJob> {
    for (let i = 0; i < 20; i++) {
      const job = await agents[name].claim();
      if (job) return job;
    }
    throw new Error(`${name} got no job`);
  }
  async function execution(id: number) {
    return (await api.get(`${P}/${pipeline}/executions/${id}`)).body;
  }
  async function until(id: number, status: string, ms = 20_000) {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
      const e = await execution(id);
      if (e.status === status) return e;
    }
    throw new Error(`execution ${id} never ${status}: ${JSON.stringify(await execution(id))}`);
  }

  beforeEach(async () => {
    work = mkdtempSync(join(tmpdir(), 'archway-parts-'));
    api = await startApi(
      {
        ARCHWAY_BUILTIN_AGENT: '0',
        ARCHWAY_GIT_POLL_SECONDS: '0',
        ARCHWAY_FANOUT: 'on',
        ARCHWAY_AGENT_LEASE_SECONDS: '3',
        ARCHWAY_NATIVE_WAIT_SECONDS: '0',
      },
      { listen: true, claimWaitMs: 300 },
    );
    const repo = join(work, 'repo');
    initDockerfileRepo(repo);
    await api.post('/workspaces', { domain: 'acme', name: 'Acme' });
    await api.post('/workspaces/acme/projects', { display_name: 'Site', custom_repo_url: repo });
    pipeline = (await api.post(P, { name: 'parts' })).body.id;
    await api.post(`${P}/${pipeline}/actions`, {
      type: 'DOCKER_BUILD_MULTI_ARCH',
      name: 'build',
      repository: '127.0.0.1:5999/team/parts',
      target_platform: 'linux/arm64,linux/arm/v7',
    });
    for (const name of ['a', 'b'] as const) {
      const token = (await api.post('/agent/v1/agents', { name })).body.token as string;
      agents[name] = createAgentClient({ server: api.baseUrl, token, claimTimeoutMs: 5_000 });
    }
  });
  afterEach(async () => {
    await api?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('CANCEL ends the waiting part at once and the running one at its next heartbeat: TERMINATED, no index', async () => {
    const id = (await api.post(`${P}/${pipeline}/executions`, {})).body.id as number;
    const running = await claim('a');
    expect(partOf(running)).toBe('linux/arm64');
    await agents.a.logs(running.jobId, running.attempt, 0, ['[linux/arm64] STEP 1/1: RUN make']);
    const cancelled = await api.patch(`${P}/${pipeline}/executions/${id}`, { operation: 'CANCEL' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.action_executions[0].status).toBe('TERMINATING'); // its arm64 part still runs
    expect(await agents.b.claim()).toBeUndefined(); // the arm/v7 part was dropped
    expect(await agents.a.heartbeat(running.jobId, running.attempt)).toEqual({ cancel: true });
    await agents.a.finish(running.jobId, running.attempt, 'TERMINATED', 'Cancelled.');
    const e = await until(id, 'TERMINATED');
    expect(e.action_executions[0].status).toBe('TERMINATED');
    expect(await agents.b.claim()).toBeUndefined(); // and no INDEX was queued
  });

  it("the action's progress counts every part; the agent list names the platform each part builds", async () => {
    const id = (await api.post(`${P}/${pipeline}/executions`, {})).body.id as number;
    const progress = async () => (await execution(id)).action_executions[0].progress as number;
    const arm64 = await claim('a');
    const armv7 = await claim('b');
    expect([partOf(arm64), partOf(armv7)]).toEqual(['linux/arm64', 'linux/arm/v7']);
    const listed = (await api.get('/agent/v1/agents')).body.agents as Array<{ name: string; building: unknown[] }>;
    expect(listed.find((a) => a.name === 'a')?.building).toEqual([
      expect.objectContaining({ job_id: arm64.jobId, kind: 'PLATFORM', platform: 'linux/arm64' }),
    ]);
    expect(listed.find((a) => a.name === 'b')?.building).toEqual([
      expect.objectContaining({ job_id: armv7.jobId, kind: 'PLATFORM', platform: 'linux/arm/v7' }),
    ]);
    await agents.a.heartbeat(arm64.jobId, arm64.attempt, 80);
    expect(await progress()).toBe(40); // (80 + 0) / 2, not the 80 of one part
    await agents.b.heartbeat(armv7.jobId, armv7.attempt, 20);
    expect(await progress()).toBe(40); // b sees (0 + 20) / 2; the action never goes back
    await agents.b.finish(armv7.jobId, armv7.attempt, 'SUCCESSFUL', null, madeUpImage(armv7));
    await agents.a.heartbeat(arm64.jobId, arm64.attempt, 90);
    expect(await progress()).toBe(95); // (90 + 100) / 2
  });

  it('an agent lost mid-platform: that platform alone goes back to the queue, its sibling goes on', async () => {
    const id = (await api.post(`${P}/${pipeline}/executions`, {})).body.id as number;
    const lost = await claim('a');
    expect(partOf(lost)).toBe('linux/arm64');
    await agents.a.logs(lost.jobId, lost.attempt, 0, ['[linux/arm64] STEP 1/2: RUN make']); // started, then silence
    const sibling = await claim('b');
    expect(partOf(sibling)).toBe('linux/arm/v7');
    await agents.b.finish(sibling.jobId, sibling.attempt, 'SUCCESSFUL', null, madeUpImage(sibling));
    // The lease (3 s) runs out; the reaper puts arm64 back, and b takes it as attempt 2.
    const again = await claim('b');
    expect([partOf(again), again.jobId, again.attempt]).toEqual(['linux/arm64', lost.jobId, lost.attempt + 1]);
    expect((await execution(id)).action_executions[0].status).toBe('INPROGRESS');
    await agents.b.logs(again.jobId, again.attempt, 0, ['[linux/arm64] STEP 1/2: RUN make']);
    await agents.b.finish(again.jobId, again.attempt, 'SUCCESSFUL', null, madeUpImage(again));
    const index = await claim('a');
    expect(partOf(index)).toBe('INDEX');
    expect(index.spec.part?.kind === 'INDEX' && index.spec.part.images.map((i) => i.platform)).toEqual([
      'linux/arm64',
      'linux/arm/v7',
    ]);
    await agents.a.finish(index.jobId, index.attempt, 'SUCCESSFUL', null);
    const e = await until(id, 'SUCCESSFUL');
    const ae = e.action_executions[0].action_execution_id;
    const log = (await api.get(`${P}/${pipeline}/executions/${id}/action_executions/${ae}`)).body.log as string[];
    expect(log.filter((l) => l.includes('STEP 1/2'))).toHaveLength(2);
    expect(log).toContainEqual(
      expect.stringMatching(/^\[linux\/arm64\] Agent "agent-[0-9a-f]+" was lost .* queued again\.$/),
    );
  }, 30_000);
});

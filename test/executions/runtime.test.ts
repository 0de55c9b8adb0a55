import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RevisionSource } from '../../src/app/ports/revision-source.js';
import { createAgentClient } from '../../src/agent/http-client.js';
import { createAgentRunner } from '../../src/agent/runner.js';
import { type JobWork } from '../../src/app/ports/job-work.js';
import { startApi, type Api } from '../support/api-harness.js';

/**
 * The execution runtime (queue, orchestrator, agent protocol over real HTTP, real SQLite) with a scripted job
 * instead of a build: the real-build proof lives in test/executions/build.test.ts.
 */
const revisions: RevisionSource = {
  resolve: async (_key, _source, request) => {
    if (request.branch === 'nope') throw new Error('Branch "nope" does not exist in the repository (it has: main).');
    return {
      sha: 'a'.repeat(40),
      branch: request.branch ?? 'main',
      message: 'Initial commit\n\nbody',
      authorName: 'Ada',
      authorEmail: 'ada@example.com',
      authorDate: '2026-01-01T00:00:00Z',
      committerName: 'Ada',
      committerEmail: 'ada@example.com',
      commitDate: '2026-01-01T00:00:00Z',
    };
  },
};

/** Scripted work: the action name says what to do ("ok", "fail", "slow", "flaky"). */
let flakyRuns = 0;
const work: JobWork = async (spec, { log, signal }) => {
  log(
    `building ${spec.build.target.repository.replace(/^[^/]+\//, '')}:${spec.build.tags.join(',')} for ${spec.build.platforms.join(',')}`,
  );
  log(`secret file: ${spec.files.map((f) => f.content).join(',')}`);
  if (spec.actionName === 'fail') throw new Error('RUN step failed on linux/arm64 at STEP 3/5 (exit code 1)');
  if (spec.actionName === 'flaky' && flakyRuns++ === 0) throw new Error('registry hiccup');
  if (spec.actionName === 'ticks') {
    for (let i = 0; i < 15; i++) {
      log(`tick ${i}`);
      await sleep(60);
    }
  }
  if (spec.actionName === 'slow') {
    for (let i = 0; i < 100 && !signal.aborted; i++) {
      log(`tick ${i}`);
      await sleep(100);
    }
    if (signal.aborted) throw signal.reason as Error;
  }
};

describe('executions: run, logs, cancel, retry, serialisation, lost agents', () => {
  let api: Api;
  let pipelinePath: string;
  let stopRunner: () => Promise<void>;
  beforeAll(async () => {
    api = await startApi({ ARCHWAY_AGENT_LEASE_SECONDS: '3' }, { revisions, listen: true, claimWaitMs: 500 });
    await api.post('/workspaces', { domain: 'acme' });
    await api.post('/workspaces/acme/projects', { display_name: 'Site', custom_repo_url: '/srv/git/site.git' });
    const { token } = await api.core.useCases.agentJobs.registerAgent('test-agent', []);
    const runner = createAgentRunner({
      client: createAgentClient({ server: api.baseUrl, token }),
      work,
      workDir: `${api.dataDir}/agent`,
      log: { info() {}, warn() {} },
      heartbeatMs: 300,
    });
    runner.start();
    stopRunner = () => runner.stop();
  });
  afterAll(async () => {
    await stopRunner();
    await api.close();
  });

  async function pipelineWith(...actions: Array<Record<string, unknown>>): Promise<string> {
    const res = await api.post('/workspaces/acme/projects/site/pipelines', {
      name: `p${Math.random().toString(36).slice(2, 8)}`,
    });
    const path = `/workspaces/acme/projects/site/pipelines/${res.body.id}`;
    for (const a of actions) {
      const added = await api.post(`${path}/actions`, {
        type: 'DOCKER_BUILD_MULTI_ARCH',
        repository: '127.0.0.1:5000/team/app',
        ...a,
      });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
    }
    return path;
  }
  async function waitFor(path: string, statuses: string[], ms = 15_000) {
    const end = Date.now() + ms;
    for (;;) {
      const res = await api.get(path);
      if (statuses.includes(res.body.status)) return res.body;
      if (Date.now() > end) throw new Error(`still ${res.body.status}: ${JSON.stringify(res.body)}`);
      await sleep(100);
    }
  }
  afterEach(() => {
    flakyRuns = 0;
  });

  it("runs a pipeline to SUCCESSFUL with Buddy's execution object, logs and pipeline status", async () => {
    pipelinePath = await pipelineWith({
      name: 'ok',
      docker_image_tag: '$BUDDY_EXECUTION_REVISION_SHORT',
      variables: [{ key: 'S', value: 'top-secret-value', encrypted: true, type: 'FILE', file_path: 'secret.txt' }],
    });
    const run = await api.post(`${pipelinePath}/executions`, { to_revision: { revision: 'HEAD' }, comment: 'first' });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({
      comment: 'first',
      triggeredOn: 'CLICK',
      to_revision: { revision: 'a'.repeat(40), message: 'Initial commit\n\nbody' },
      branch: { name: 'main' },
    });
    expect(['ENQUEUED', 'INPROGRESS']).toContain(run.body.status);
    const done = await waitFor(`${pipelinePath}/executions/${run.body.id}`, ['SUCCESSFUL', 'FAILED']);
    expect(done.status).toBe('SUCCESSFUL');
    expect(done.finish_date).not.toBeNull();
    expect(done.action_executions).toEqual([
      expect.objectContaining({ status: 'SUCCESSFUL', progress: 100, action: expect.objectContaining({ name: 'ok' }) }),
    ]);
    const actionId = done.action_executions[0].action.id;
    for (const path of [
      `action/${actionId}`,
      `actions/${actionId}`,
      `action_executions/${done.action_executions[0].action_execution_id}`,
    ]) {
      const log = await api.get(`${pipelinePath}/executions/${run.body.id}/${path}`);
      expect(log.status, path).toBe(200);
      expect(log.body.log).toContain(`building team/app:${'a'.repeat(7)} for linux/amd64`);
      expect(log.body.log.join('\n')).not.toContain('top-secret-value');
      expect(log.body.log).toContain('secret file: ***');
    }
    const pipeline = await api.get(pipelinePath);
    expect(pipeline.body).toMatchObject({
      last_execution_status: 'SUCCESSFUL',
      last_execution_revision: 'a'.repeat(40),
    });
    const list = await api.get(`${pipelinePath}/executions`);
    expect(list.body).toMatchObject({ page: 1, total_element_count: 1, element_count: 1 });
  });

  it('resolves stored workspace/pipeline variables innermost first and fails an action naming an undefined variable', async () => {
    const path = await pipelineWith({ name: 'ok', docker_image_tag: '$TAG', repository: '127.0.0.1:5000/$TEAM/app' });
    const pipelineId = Number(path.split('/').pop());
    expect((await api.post('/workspaces/acme/variables', { key: 'TEAM', value: 'from-workspace' })).status).toBe(201);
    expect((await api.post('/workspaces/acme/variables', { key: 'TAG', value: 'ws-tag' })).status).toBe(201);
    expect(
      (
        await api.post('/workspaces/acme/variables', {
          key: 'TAG',
          value: 'pipeline-tag',
          pipeline: { id: pipelineId },
        })
      ).status,
    ).toBe(201);
    const run = await api.post(`${path}/executions`, {});
    const done = await waitFor(`${path}/executions/${run.body.id}`, ['SUCCESSFUL', 'FAILED']);
    const log = await api.get(`${path}/executions/${run.body.id}/action/${done.action_executions[0].action.id}`);
    expect(log.body.log).toContain('building from-workspace/app:pipeline-tag for linux/amd64');
    const broken = await pipelineWith({ name: 'ok', target_stage: '$NOT_DEFINED' });
    const failed = await api.post(`${broken}/executions`, {});
    const end = await waitFor(`${broken}/executions/${failed.body.id}`, ['SUCCESSFUL', 'FAILED']);
    expect(end.status).toBe('FAILED');
    expect(end.action_executions[0].error_message).toMatch(/"target_stage" uses the variable \$NOT_DEFINED/);
  });

  it("fails the run with the checkout's message for a branch that does not exist", async () => {
    const path = await pipelineWith({ name: 'ok' });
    const run = await api.post(`${path}/executions`, { branch: { name: 'nope' } });
    expect(run.body.status).toBe('FAILED');
    expect(run.body.error_message).toMatch(/Branch "nope" does not exist/);
    expect(run.body.action_executions[0].status).toBe('NOT_EXECUTED');
  });

  it('fails with the error in error_message, skips later actions, runs ON_FAILURE ones, and RETRY reruns from the failed one', async () => {
    const path = await pipelineWith({ name: 'fail' }, { name: 'ok' }, { name: 'ok', trigger_time: 'ON_FAILURE' });
    const run = await api.post(`${path}/executions`, {});
    const done = await waitFor(`${path}/executions/${run.body.id}`, ['SUCCESSFUL', 'FAILED']);
    expect(done.status).toBe('FAILED');
    expect(done.action_executions.map((a: { status: string }) => a.status)).toEqual([
      'FAILED',
      'NOT_EXECUTED',
      'SUCCESSFUL',
    ]);
    expect(done.action_executions[0].error_message).toMatch(/linux\/arm64 at STEP 3\/5/);
    // "Fix the repository": rename the failing action, then RETRY.
    await api.patch(`${path}/actions/${done.action_executions[0].action.id}`, { name: 'ok' });
    const retried = await api.patch(`${path}/executions/${run.body.id}`, { operation: 'RETRY' });
    expect(retried.status).toBe(200);
    const again = await waitFor(`${path}/executions/${run.body.id}`, ['SUCCESSFUL', 'FAILED']);
    expect(again.status).toBe('SUCCESSFUL');
    // The rerun's lines follow the failed run's in the same log.
    const log = (await api.get(`${path}/executions/${run.body.id}/action/${done.action_executions[0].action.id}`)).body
      .log as string[];
    expect(log.filter((l) => l.startsWith('building ')).length).toBe(2);
    expect(log.at(-1)).toMatch(/^secret file: /);
  });

  it('retries a failing action retry_count times', async () => {
    const path = await pipelineWith({ name: 'flaky', retry_count: 1, retry_interval: 0 });
    const run = await api.post(`${path}/executions`, {});
    const done = await waitFor(`${path}/executions/${run.body.id}`, ['SUCCESSFUL', 'FAILED']);
    expect(done.status).toBe('SUCCESSFUL');
    expect(done.action_executions[0].attempts).toBe(2);
    // Both attempts' lines, in order, with the server's note between them (the second attempt's agent counts its
    // lines from 0 again).
    const log = (await api.get(`${path}/executions/${run.body.id}/action/${done.action_executions[0].action.id}`)).body
      .log as string[];
    expect(log.map((l) => l.replace(/^(building|secret file).*/, '$1'))).toEqual([
      'building',
      'secret file',
      'Failed: registry hiccup',
      'Attempt 1 failed: registry hiccup; retrying in 0 s.',
      'building',
      'secret file',
    ]);
  });

  it('serialises runs of one pipeline and cancels a running one to TERMINATED', async () => {
    const path = await pipelineWith({ name: 'slow' });
    const first = await api.post(`${path}/executions`, {});
    await waitFor(`${path}/executions/${first.body.id}`, ['INPROGRESS']);
    const second = await api.post(`${path}/executions`, {});
    expect(second.body.status).toBe('ENQUEUED');
    await sleep(300);
    expect((await api.get(`${path}/executions/${second.body.id}`)).body.status).toBe('ENQUEUED');
    const cancelled = await api.patch(`${path}/executions/${first.body.id}`, { operation: 'CANCEL' });
    expect(cancelled.status).toBe(200);
    const done = await waitFor(`${path}/executions/${first.body.id}`, ['TERMINATED', 'SUCCESSFUL', 'FAILED'], 5000);
    expect(done.status).toBe('TERMINATED');
    expect(done.action_executions[0].status).toBe('TERMINATED');
    // The waiting run starts once the first one is over; cancel it too before it finishes its 10 s.
    await waitFor(`${path}/executions/${second.body.id}`, ['INPROGRESS']);
    await api.patch(`${path}/executions/${second.body.id}`, { operation: 'CANCEL' });
    expect((await waitFor(`${path}/executions/${second.body.id}`, ['TERMINATED'], 5000)).status).toBe('TERMINATED');
    expect((await api.patch(`${path}/executions/${second.body.id}`, { operation: 'CANCEL' })).status).toBe(400);
  });

  it('fails a job as "agent lost" when its agent stops sending heartbeats, and the next run succeeds', async () => {
    const path = await pipelineWith({ name: 'ok' });
    await stopRunner();
    const run = await api.post(`${path}/executions`, {});
    // A second agent claims the job, starts it (one heartbeat) and then "dies": no more heartbeats, no finish.
    const { token } = await api.core.useCases.agentJobs.registerAgent('doomed', []);
    const doomed = createAgentClient({ server: api.baseUrl, token });
    const claimed = await doomed.claim();
    expect(claimed?.spec.executionId).toBe(run.body.id);
    await doomed.heartbeat(claimed!.jobId, claimed!.attempt);
    const done = await waitFor(`${path}/executions/${run.body.id}`, ['FAILED', 'SUCCESSFUL'], 15_000);
    expect(done.status).toBe('FAILED');
    expect(done.action_executions[0].error_message).toMatch(/Agent lost: no heartbeat from agent/);
    // The dead agent's late report is refused as stale.
    await expect(doomed.finish(claimed!.jobId, claimed!.attempt, 'SUCCESSFUL', null)).rejects.toThrow(/409/);
    const { token: t2 } = await api.core.useCases.agentJobs.registerAgent('fresh', []);
    const runner = createAgentRunner({
      client: createAgentClient({ server: api.baseUrl, token: t2 }),
      work,
      workDir: `${api.dataDir}/agent2`,
      log: { info() {}, warn() {} },
      heartbeatMs: 300,
    });
    runner.start();
    stopRunner = () => runner.stop();
    const next = await api.post(`${path}/executions`, {});
    expect((await waitFor(`${path}/executions/${next.body.id}`, ['SUCCESSFUL', 'FAILED'])).status).toBe('SUCCESSFUL');
  });

  it('puts a job back in the queue when its agent never started it, and fails it after three such claims', async () => {
    const path = await pipelineWith({ name: 'ok' });
    await stopRunner();
    const { token } = await api.core.useCases.agentJobs.registerAgent('silent', []);
    const silent = createAgentClient({ server: api.baseUrl, token });
    const run = await api.post(`${path}/executions`, {});
    const url = `${path}/executions/${run.body.id}`;
    // Claimed, then nothing (the claim's answer got lost, or the agent died at once): back in the queue.
    const first = await silent.claim();
    expect(first?.spec.executionId).toBe(run.body.id);
    expect((await waitFor(url, ['INPROGRESS'])).action_executions[0].status).toBe('INPROGRESS');
    const end = Date.now() + 10_000;
    while ((await api.get(url)).body.action_executions[0].status !== 'ENQUEUED') {
      if (Date.now() > end) throw new Error('the unstarted job never went back to the queue');
      await sleep(100);
    }
    // A working agent takes it as the next attempt and the run succeeds.
    const { token: t2 } = await api.core.useCases.agentJobs.registerAgent('working', []);
    const runner = createAgentRunner({
      client: createAgentClient({ server: api.baseUrl, token: t2 }),
      work,
      workDir: `${api.dataDir}/agent3`,
      log: { info() {}, warn() {} },
      heartbeatMs: 300,
    });
    runner.start();
    const done = await waitFor(url, ['SUCCESSFUL', 'FAILED']);
    await runner.stop();
    expect(done.status).toBe('SUCCESSFUL');
    expect((await api.get(`${url}/action/${done.action_executions[0].action.id}`)).body.log[0]).toMatch(/^building /);

    // Claims that never start, until the job fails saying so: three in all (a claim the stopped runner's
    // long-poll made as it hung up, given back at once, is one of them).
    const stuck = await api.post(`${path}/executions`, {});
    const stuckUrl = `${path}/executions/${stuck.body.id}`;
    const attempts: number[] = [];
    for (const until = Date.now() + 20_000; (await api.get(stuckUrl)).body.status !== 'FAILED';) {
      if (Date.now() > until) throw new Error(`still not failed after claims ${attempts.join(', ')}`);
      const claimed = await silent.claim();
      if (claimed) attempts.push(claimed.attempt);
      expect(claimed?.spec.executionId ?? stuck.body.id).toBe(stuck.body.id);
    }
    expect(attempts.at(-1)).toBe(3);
    const failed = (await api.get(stuckUrl)).body;
    expect(failed.action_executions[0].error_message).toMatch(
      /^Agent lost: the job was handed to an agent 3 times and none started it/,
    );
    const { token: t3 } = await api.core.useCases.agentJobs.registerAgent('fresh-2', []);
    const next = createAgentRunner({
      client: createAgentClient({ server: api.baseUrl, token: t3 }),
      work,
      workDir: `${api.dataDir}/agent4`,
      log: { info() {}, warn() {} },
      heartbeatMs: 300,
    });
    next.start();
    stopRunner = () => next.stop();
  });

  it('streams the log live as server-sent events, resumable by Last-Event-ID', async () => {
    const path = await pipelineWith({ name: 'ticks' });
    const run = await api.post(`${path}/executions`, {});
    const hex = run.body.action_executions[0].action_execution_id;
    await waitFor(`${path}/executions/${run.body.id}`, ['INPROGRESS']);
    const url = `${api.baseUrl}${path}/executions/${run.body.id}/action_executions/${hex}/stream`;
    const res = await fetch(url, { headers: { authorization: 'Bearer test-admin-token-0123456789' } });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    const data = [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!));
    const ticks = data.filter((d) => typeof d === 'string' && d.startsWith('tick '));
    expect(ticks).toEqual(Array.from({ length: 15 }, (_, i) => `tick ${i}`));
    expect(text).toMatch(/event: end\ndata: \{"status":"SUCCESSFUL"\}/);
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual(ids.map((_, i) => i));
    const resumed = await (
      await fetch(url, {
        headers: { authorization: 'Bearer test-admin-token-0123456789', 'last-event-id': String(ids.length - 2) },
      })
    ).text();
    expect([...resumed.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([ids.length - 1]);
  });

  it('holds an idle claim for the whole long-poll over real HTTP (a request\'s early "close" once ended it at once)', async () => {
    const { token } = await api.core.useCases.agentJobs.registerAgent('idle', []);
    const started = Date.now();
    const res = await fetch(`${api.baseUrl}/agent/v1/jobs/claim`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450); // claimWaitMs is 500
  });

  it('refuses agent calls without a valid agent token and stale attempts', async () => {
    const res = await fetch(`${api.baseUrl}/agent/v1/jobs/claim`, {
      method: 'POST',
      headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    const user = await fetch(`${api.baseUrl}/agent/v1/jobs/claim`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(user.status).toBe(401);
  });
});

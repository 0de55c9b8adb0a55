import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineBuildRunner } from '../../src/agent/engine-build.js';
import { createAgentClient } from '../../src/agent/http-client.js';
import { createJobWork } from '../../src/agent/job-work.js';
import { createAgentRunner } from '../../src/agent/runner.js';
import type { JobWork } from '../../src/app/ports/job-work.js';
import { createFakeEngine } from '../../src/engine/fake/fake-engine.js';
import { createGitWorkTrees } from '../../src/git/index.js';
import { resolveRegistryTarget } from '../../src/push-targets/index.js';
import { startApi, type Api } from '../support/api-harness.js';
import { commit, makeOrigin } from '../git/git-fixtures.js';

/**
 * The execution runtime (queue, orchestrator, agent protocol over real HTTP, real SQLite, real git) with the fake
 * engine instead of buildah, steered by each action's build args (src/engine/fake/fake-engine.ts): the real-build
 * proof lives in test/executions/build.test.ts.
 */
const DIGEST = /sha256:[0-9a-f]{64}/g;
/** A log line with its digests and durations made constant. */
const steady = (line: string) => line.replace(DIGEST, 'sha256:D').replace(/\d+\.\d s\b/g, 'T s');

describe('executions: run, logs, cancel, retry, serialisation, lost agents', () => {
  let api: Api;
  let pipelinePath: string;
  let stopRunner: () => Promise<void>;
  let root: string;
  let origin: string;
  let sha: string;
  let work: JobWork;
  /** An agent over the same job work (one fake engine for the file, so FAKE_FAIL_TIMES counts across runners). */
  const startRunner = (token: string, dir: string) => {
    const runner = createAgentRunner({
      client: createAgentClient({ server: api.baseUrl, token }),
      work,
      workDir: `${api.dataDir}/${dir}`,
      log: { info() {}, warn() {} },
      heartbeatMs: 300,
    });
    runner.start();
    return runner;
  };
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'archway-runtime-'));
    const repo = makeOrigin(root);
    origin = repo.origin;
    sha = commit(repo.work, 'main', 'Initial commit\n\nbody', { Dockerfile: 'FROM scratch\n' });
    api = await startApi({ ARCHWAY_AGENT_LEASE_SECONDS: '3' }, { listen: true, claimWaitMs: 500 });
    work = createJobWork({
      trees: createGitWorkTrees({ mirrorsDir: join(api.dataDir, 'agent-git') }),
      build: createEngineBuildRunner(createFakeEngine({ native: 'linux/amd64' }), resolveRegistryTarget),
    });
    await api.post('/workspaces', { domain: 'acme' });
    await api.post('/workspaces/acme/projects', { display_name: 'Site', custom_repo_url: origin });
    const { token } = await api.core.useCases.agentJobs.registerAgent('test-agent', []);
    const runner = startRunner(token, 'agent');
    stopRunner = () => runner.stop();
  });
  afterAll(async () => {
    await stopRunner();
    await api.close();
    rmSync(root, { recursive: true, force: true });
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
  it("runs a pipeline to SUCCESSFUL with Buddy's execution object, logs and pipeline status", async () => {
    pipelinePath = await pipelineWith({
      name: 'ok',
      docker_image_tag: '$BUDDY_EXECUTION_REVISION_SHORT',
      variables: [{ key: 'S', value: 'top-secret-value', encrypted: true, type: 'FILE', file_path: 'secret.txt' }],
      build_args: ['FAKE_CAT=secret.txt'],
    });
    const run = await api.post(`${pipelinePath}/executions`, { to_revision: { revision: 'HEAD' }, comment: 'first' });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({
      comment: 'first',
      triggeredOn: 'CLICK',
      trigger: { type: 'MANUAL', ref: null, by: null },
      to_revision: { revision: sha, message: 'Initial commit\n\nbody' },
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
      expect(log.body.log.map(steady)).toContain(`Pushed 127.0.0.1:5000/team/app:${sha.slice(0, 7)} (sha256:D)`);
      expect(log.body.log.map(steady)).toContain('Verified image index sha256:D: linux/amd64');
      expect(log.body.log.join('\n')).not.toContain('top-secret-value');
      expect(log.body.log).toContain('[linux/amd64] secret.txt: ***');
    }
    const pipeline = await api.get(pipelinePath);
    expect(pipeline.body).toMatchObject({
      last_execution_status: 'SUCCESSFUL',
      last_execution_revision: sha,
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
    expect(log.body.log.map(steady)).toContain('Pushed 127.0.0.1:5000/from-workspace/app:pipeline-tag (sha256:D)');
    expect(log.body.log.map(steady)).toContain('Verified image index sha256:D: linux/amd64');
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
    const path = await pipelineWith(
      {
        name: 'fail',
        target_platform: ['linux/amd64', 'linux/arm64'],
        build_args: ['FAKE_FAIL_AT=linux/arm64:3', 'FAKE_STEPS=5'],
      },
      { name: 'ok' },
      { name: 'ok', trigger_time: 'ON_FAILURE' },
    );
    const run = await api.post(`${path}/executions`, {});
    const done = await waitFor(`${path}/executions/${run.body.id}`, ['SUCCESSFUL', 'FAILED']);
    expect(done.status).toBe('FAILED');
    expect(done.action_executions.map((a: { status: string }) => a.status)).toEqual([
      'FAILED',
      'NOT_EXECUTED',
      'SUCCESSFUL',
    ]);
    expect(done.action_executions[0].error_message).toBe(
      'RUN step failed on linux/arm64 at step 3/5 (RUN fake step 3) with exit code 1.',
    );
    // "Fix the repository": drop the failure from the failing action, then RETRY.
    await api.patch(`${path}/actions/${done.action_executions[0].action.id}`, { build_args: [] });
    const retried = await api.patch(`${path}/executions/${run.body.id}`, { operation: 'RETRY' });
    expect(retried.status).toBe(200);
    const again = await waitFor(`${path}/executions/${run.body.id}`, ['SUCCESSFUL', 'FAILED']);
    expect(again.status).toBe('SUCCESSFUL');
    // The rerun's lines follow the failed run's in the same log.
    const log = (await api.get(`${path}/executions/${run.body.id}/action/${done.action_executions[0].action.id}`)).body
      .log as string[];
    expect(log.filter((l) => l.startsWith('Checking out ')).length).toBe(2);
    expect(
      log.filter((l) => l === 'Failed: RUN step failed on linux/arm64 at step 3/5 (RUN fake step 3) with exit code 1.'),
    ).toHaveLength(1);
    expect(steady(log.at(-1)!)).toMatch(/^Image index sha256:D pushed as 127\.0\.0\.1:5000\/team\/app:\S+ in T s$/);
  });

  it('retries a failing action retry_count times', async () => {
    const path = await pipelineWith({
      name: 'flaky',
      retry_count: 1,
      retry_interval: 0,
      repository: '127.0.0.1:5000/team/flaky',
      docker_image_tag: 'v1',
      build_args: ['FAKE_FAIL_AT=push', 'FAKE_FAIL_REASON=REGISTRY_UNREACHABLE', 'FAKE_FAIL_TIMES=1'],
    });
    const run = await api.post(`${path}/executions`, {});
    const done = await waitFor(`${path}/executions/${run.body.id}`, ['SUCCESSFUL', 'FAILED']);
    expect(done.status).toBe('SUCCESSFUL');
    expect(done.action_executions[0].attempts).toBe(2);
    // Both attempts' lines, in order, with the server's note between them (the second attempt's agent counts its
    // lines from 0 again).
    const log = (await api.get(`${path}/executions/${run.body.id}/action/${done.action_executions[0].action.id}`)).body
      .log as string[];
    const hiccup =
      'Pushing 127.0.0.1:5000/team/flaky:v1: registry 127.0.0.1:5000 is unreachable (dial tcp: connection refused).';
    const attempt = [
      `Checking out ${sha.slice(0, 12)} of ${origin}`,
      'Fake engine: linux/amd64 for 127.0.0.1:5000/team/flaky',
      '[linux/amd64] build started on test-agent (native)',
      '[linux/amd64] STEP 1/2: RUN fake step 1',
      '[linux/amd64] STEP 2/2: RUN fake step 2',
    ];
    // What started the run comes first, once (not again for the retry).
    expect(log.slice(0, 2)).toEqual([
      `Run #${run.body.id} started by admin.`,
      expect.stringMatching(new RegExp(`^Building ${sha} on \\S+: `)),
    ]);
    expect(log.slice(2).map(steady)).toEqual([
      ...attempt,
      `Failed: ${hiccup}`,
      `Attempt 1 failed: ${hiccup}; retrying in 0 s.`,
      ...attempt,
      'Pushed 127.0.0.1:5000/team/flaky:v1 (sha256:D)',
      'Verified image index sha256:D: linux/amd64',
      '[linux/amd64] sha256:D (2.0 MiB) in T s, 0 of 2 steps from cache',
      'Image index sha256:D pushed as 127.0.0.1:5000/team/flaky:v1 in T s',
    ]);
  });

  it('serialises runs of one pipeline and cancels a running one to TERMINATED', async () => {
    const path = await pipelineWith({ name: 'slow', build_args: ['FAKE_HANG=1'] });
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
    // The waiting run starts once the first one is over; cancel it too (it hangs until cancelled).
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
    const runner = startRunner(t2, 'agent2');
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
    const runner = startRunner(t2, 'agent3');
    const done = await waitFor(url, ['SUCCESSFUL', 'FAILED']);
    await runner.stop();
    expect(done.status).toBe('SUCCESSFUL');
    expect((await api.get(`${url}/action/${done.action_executions[0].action.id}`)).body.log[2]).toBe(
      `Checking out ${sha.slice(0, 12)} of ${origin}`,
    );

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
    const next = startRunner(t3, 'agent4');
    stopRunner = () => next.stop();
  });

  it('streams the log live as server-sent events, resumable by Last-Event-ID', async () => {
    const path = await pipelineWith({ name: 'ticks', build_args: ['FAKE_LOG_LINES=15', 'FAKE_SLEEP_MS=900'] });
    const run = await api.post(`${path}/executions`, {});
    const hex = run.body.action_executions[0].action_execution_id;
    await waitFor(`${path}/executions/${run.body.id}`, ['INPROGRESS']);
    const url = `${api.baseUrl}${path}/executions/${run.body.id}/action_executions/${hex}/stream`;
    const res = await fetch(url, { headers: { authorization: 'Bearer test-admin-token-0123456789' } });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    const data = [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!));
    const ticks = data.filter((d) => typeof d === 'string' && d.startsWith('[linux/amd64] fake log line '));
    expect(ticks).toEqual(Array.from({ length: 15 }, (_, i) => `[linux/amd64] fake log line ${i + 1} of 15`));
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

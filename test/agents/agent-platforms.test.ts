import { createServer as createTcpServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentClient } from '../../src/agent/http-client.js';
import { createAgentRunner } from '../../src/agent/runner.js';
import type { RevisionSource } from '../../src/app/ports/revision-source.js';
import { ConfigError } from '../../src/domain/errors.js';
import { loadConfig } from '../../src/config/config.js';
import { freePort } from '../support/free-port.js';
import { ADMIN_TOKEN, startApi, type Api } from '../support/api-harness.js';

const REVISION = {
  sha: 'b'.repeat(40),
  message: 'Initial commit',
  authorName: 'Ann',
  authorEmail: 'ann@example.com',
  authorDate: '2026-01-01T00:00:00.000Z',
  committerName: 'Ann',
  committerEmail: 'ann@example.com',
  commitDate: '2026-01-01T00:00:00.000Z',
};
/** Runs resolve to a fixed commit: these tests need a RUNNING job, not a repository. */
const revisions: RevisionSource = {
  resolve: async (_key, _source, request, defaultBranch) => ({ ...REVISION, branch: request.branch ?? defaultBranch }),
  listRefs: async () => new Map([['refs/heads/main', REVISION.sha]]),
  changedFiles: async () => [],
};

const X86_REPORT = {
  host_platform: 'linux/amd64',
  native_platforms: ['linux/amd64'],
  emulated_platforms: ['linux/arm64', 'linux/arm/v7', 'linux/arm/v6'],
};
const quietLog = { info: () => undefined, warn: () => undefined };

/** Issue 14 part 1: agents say what they run; the list shows it with what each is building. */
describe('agents say what they run', () => {
  let api: Api;
  const register = async (body: Record<string, unknown>) => {
    const res = await api.post('/agent/v1/agents', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; token: string };
  };
  const agentRow = (id: string) =>
    api.core.store.agents.byId(id).then((a) => a && { platforms: a.platforms, lastSeenAt: a.lastSeenAt });

  beforeAll(async () => {
    api = await startApi(
      { ARCHWAY_BUILTIN_AGENT: '0', ARCHWAY_GIT_POLL_SECONDS: '0' },
      { listen: true, claimWaitMs: 300, revisions },
    );
  });
  afterAll(async () => {
    await api?.close();
  });

  it('an agent never seen is listed with no platforms and not known', async () => {
    const made = await register({ name: 'never-seen' });
    expect(made).toMatchObject({
      known: false,
      last_seen: null,
      last_seen_at: null,
      host_platform: null,
      native_platforms: [],
      emulated_platforms: [],
      building: [],
    });
    const one = (await api.get(`/agent/v1/agents/${made.id}`)).body;
    expect(one).toMatchObject({ known: false, last_seen: null, native_platforms: [], building: [] });
  });

  it('hello → the list and the agent show the reported platforms, last_seen and known', async () => {
    const made = await register({ name: 'x86-box' });
    const client = createAgentClient({ server: api.baseUrl, token: made.token });
    const before = Date.now();
    const answer = await client.hello({
      hostPlatform: 'linux/amd64',
      native: ['linux/amd64'],
      emulated: ['linux/arm64', 'linux/arm/v7', 'linux/arm/v6'],
    });
    expect(answer).toMatchObject({ id: made.id, ...X86_REPORT });
    const listed = ((await api.get('/agent/v1/agents')).body.agents as Array<Record<string, unknown>>).find(
      (a) => a.id === made.id,
    )!;
    expect(listed).toMatchObject({ name: 'x86-box', known: true, building: [], ...X86_REPORT });
    expect(listed.last_seen).toBe(listed.last_seen_at);
    expect(Date.parse(listed.last_seen as string)).toBeGreaterThanOrEqual(before - 1000);
    expect((await api.get(`/agent/v1/agents/${made.id}`)).body).toMatchObject({ known: true, ...X86_REPORT });
  });

  it('admin labels platform=… win over the reported native set; emulated leaves them out', async () => {
    const made = await register({ name: 'labelled', labels: ['platform=linux/arm64', 'platform=linux/arm/v7'] });
    expect(made).toMatchObject({ native_platforms: ['linux/arm64', 'linux/arm/v7'], host_platform: null });
    const answer = await createAgentClient({ server: api.baseUrl, token: made.token }).hello({
      hostPlatform: 'linux/amd64',
      native: ['linux/amd64'],
      emulated: ['linux/arm64', 'linux/arm/v7', 'linux/arm/v6'],
    });
    const expected = {
      host_platform: 'linux/amd64',
      native_platforms: ['linux/arm64', 'linux/arm/v7'],
      emulated_platforms: ['linux/arm/v6'],
    };
    expect(answer).toMatchObject(expected);
    expect((await api.get(`/agent/v1/agents/${made.id}`)).body).toMatchObject({ known: true, ...expected });
    // What the agent said is kept as it said it (a later part logs "emulated with QEMU" from the host platform).
    expect((await agentRow(made.id))?.platforms).toEqual({
      hostPlatform: 'linux/amd64',
      native: ['linux/amd64'],
      emulated: ['linux/arm64', 'linux/arm/v7', 'linux/arm/v6'],
    });
  });

  it('a platform label naming no supported platform is refused at registration', async () => {
    const res = await api.post('/agent/v1/agents', { name: 'mips', labels: ['platform=linux/mips'] });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/platform=linux\/mips/);
    expect((await api.get('/agent/v1/agents')).body.agents.map((a: { name: string }) => a.name)).not.toContain('mips');
  });

  it('a bad hello is 400 in the envelope and writes nothing', async () => {
    const made = await register({ name: 'bad-hello' });
    const bodies = [
      { ...X86_REPORT, host_platform: 'linux/mips' },
      { ...X86_REPORT, native_platforms: ['linux/arm64', 'windows/amd64'] },
      { ...X86_REPORT, emulated_platforms: 'linux/arm64' },
      { ...X86_REPORT, emulated_platforms: Array(9).fill('linux/arm64') },
      { native_platforms: [], emulated_platforms: [] },
    ];
    for (const body of bodies) {
      const res = await api.post('/agent/v1/hello', body, made.token);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(res.body)).toEqual(['errors']);
      expect(res.body.errors).toEqual([{ message: expect.any(String) }]);
    }
    expect(await agentRow(made.id)).toEqual({ platforms: null, lastSeenAt: null });
  });

  it('a user token (or none) on hello is 401 and writes nothing', async () => {
    const made = await register({ name: 'user-token-hello' });
    for (const token of [ADMIN_TOKEN, null]) {
      const res = await api.post('/agent/v1/hello', X86_REPORT, token);
      expect(res.status).toBe(401);
      expect(res.body.errors).toEqual([{ message: expect.any(String) }]);
    }
    expect(await agentRow(made.id)).toEqual({ platforms: null, lastSeenAt: null });
  });

  it('lists what an agent is building, and heartbeats keep a busy agent known', async () => {
    const { actions, pipelinePath, pipelineId } = await api.seedPipeline();
    await api.patch('/workspaces/acme/projects/company-website', { custom_repo_url: 'https://git.example.com/a.git' });
    const action = { name: 'build', type: 'DOCKER_BUILD_MULTI_ARCH', registry: 'r.example.com', repository: 'a/b' };
    expect((await api.post(actions, action)).status).toBe(201);
    const run = await api.post(`${pipelinePath}/executions`, { branch: { name: 'main' } });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    const made = await register({ name: 'builder', workspaces: ['acme'] });
    const client = createAgentClient({ server: api.baseUrl, token: made.token });
    const job = await client.claim();
    expect(job?.spec.executionId).toBe(run.body.id);
    const [ae] = await api.core.store.executions.actionExecutions(run.body.id);
    const shown = (await api.get(`/agent/v1/agents/${made.id}`)).body;
    expect(shown.building).toEqual([
      {
        job_id: job!.jobId,
        attempt: job!.attempt,
        kind: 'BUILD',
        platform: null,
        execution_id: run.body.id,
        action_execution_id: ae!.id,
        action_id: ae!.action.id,
        pipeline_id: pipelineId,
        project_name: 'company-website',
        workspace_domain: 'acme',
        url: `https://ci.example.com${pipelinePath}/executions/${run.body.id}`,
      },
    ]);
    expect(shown.known).toBe(true);

    // Seen 2 minutes ago (a long build claims nothing): not known, until its next heartbeat.
    await api.core.store.agents.touch(made.id, new Date(Date.now() - 120_000));
    expect((await api.get(`/agent/v1/agents/${made.id}`)).body.known).toBe(false);
    await client.heartbeat(job!.jobId, job!.attempt, 10);
    expect((await api.get(`/agent/v1/agents/${made.id}`)).body.known).toBe(true);

    await client.finish(job!.jobId, job!.attempt, 'FAILED', 'stopped by the test');
    expect((await api.get(`/agent/v1/agents/${made.id}`)).body.building).toEqual([]);
  });

  it('an idle agent stays known: each claim long-poll marks it seen', async () => {
    const made = await register({ name: 'idle' });
    await api.core.store.agents.touch(made.id, new Date(Date.now() - 120_000));
    expect((await api.get(`/agent/v1/agents/${made.id}`)).body.known).toBe(false);
    expect(await createAgentClient({ server: api.baseUrl, token: made.token }).claim()).toBeUndefined();
    expect((await api.get(`/agent/v1/agents/${made.id}`)).body.known).toBe(true);
  });

  it('the runner retries its hello with backoff while the server is unreachable, and claims meanwhile', async () => {
    const made = await register({ name: 'late-server' });
    const port = await freePort();
    const target = new URL(api.baseUrl);
    let claims = 0;
    const client = createAgentClient({ server: `http://127.0.0.1:${port}`, token: made.token });
    const counted = { ...client, claim: (s?: AbortSignal) => (claims++, client.claim(s)) };
    const warnings: string[] = [];
    const runner = createAgentRunner({
      client: counted,
      work: async () => null,
      workDir: api.dataDir,
      log: { info: () => undefined, warn: (_o, msg) => warnings.push(msg) },
      platforms: async () => ({ hostPlatform: 'linux/arm64', native: ['linux/arm64'], emulated: [] }),
      helloWaitMs: 200,
      helloRetry: { firstMs: 50, maxMs: 200 },
    });
    runner.start();
    let proxy: Server | undefined;
    const sockets: Socket[] = [];
    try {
      await sleep(600);
      // Nothing listens yet: hellos failed and were retried, and the claim loop did not wait for them.
      expect(warnings.filter((w) => w === 'hello failed; retrying').length).toBeGreaterThanOrEqual(2);
      expect(claims).toBeGreaterThanOrEqual(1);
      expect(await agentRow(made.id)).toMatchObject({ platforms: null });
      // The server comes up on that port (a TCP forwarder to the real one): the next retry gets through.
      proxy = createTcpServer((socket) => {
        const upstream = connect(Number(target.port), target.hostname);
        sockets.push(socket, upstream);
        socket.pipe(upstream).pipe(socket);
      });
      await new Promise<void>((resolve) => proxy!.listen(port, '127.0.0.1', resolve));
      for (let i = 0; i < 50 && !(await agentRow(made.id))?.platforms; i++) await sleep(50);
      expect((await agentRow(made.id))?.platforms).toEqual({
        hostPlatform: 'linux/arm64',
        native: ['linux/arm64'],
        emulated: [],
      });
    } finally {
      await runner.stop();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
    }
  });

  it('a hello that cannot be made does not stop the agent from claiming', async () => {
    const made = await register({ name: 'no-hello' });
    let claims = 0;
    const client = createAgentClient({ server: api.baseUrl, token: made.token });
    const runner = createAgentRunner({
      client: { ...client, claim: (s?: AbortSignal) => (claims++, client.claim(s)) },
      work: async () => null,
      workDir: api.dataDir,
      log: quietLog,
      platforms: async () => {
        throw new Error('no uname here');
      },
    });
    runner.start();
    for (let i = 0; i < 40 && claims === 0; i++) await sleep(25);
    await runner.stop();
    expect(claims).toBeGreaterThanOrEqual(1);
    expect((await api.get(`/agent/v1/agents/${made.id}`)).body).toMatchObject({ known: true, host_platform: null });
  });
});

describe('ARCHWAY_AGENT_PLATFORMS', () => {
  it('overrides the native set; a bad value refuses to start, naming the variable and the value', () => {
    expect(loadConfig({ ARCHWAY_AGENT_PLATFORMS: 'linux/arm/v7, linux/arm64' }).agentPlatforms).toEqual([
      'linux/arm64',
      'linux/arm/v7',
    ]);
    expect(loadConfig({}).agentPlatforms).toBeNull();
    expect(() => loadConfig({ ARCHWAY_AGENT_PLATFORMS: 'linux/arm64,linux/riscv64' })).toThrow(ConfigError);
    expect(() => loadConfig({ ARCHWAY_AGENT_PLATFORMS: 'linux/riscv64' })).toThrow(
      /^ARCHWAY_AGENT_PLATFORMS has an unsupported platform "linux\/riscv64"; allowed: linux\/amd64, linux\/arm64, linux\/arm\/v7, linux\/arm\/v6/,
    );
  });
});

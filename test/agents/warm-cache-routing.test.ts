import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentClient, type AgentClient } from '../../src/agent/http-client.js';
import { startApi, type Api } from '../support/api-harness.js';
import { madeUpImage, partOf } from '../support/part-results.js';
import { initDockerfileRepo } from '../support/runnable-pipeline.js';

const P = '/workspaces/acme/projects/site/pipelines';

/**
 * Caches follow the platform (issue 14, part 4): a MIN cache lives in one agent's stores, so a platform job of a
 * build with one goes first to the agent that last built that platform for that key, other agents that could
 * take it as well leaving it to that one for WARM_WAIT_MS (10 s). Two agents speaking the real protocol to a real
 * server, both the same kind of machine; the server's clock is the test's, to pass the wait without waiting.
 */
describe('platform jobs of a build with a MIN cache go to the agent whose store is warm', () => {
  let api: Api;
  let work: string;
  let offset = 0;
  let pipeline: number;
  const agents: Record<'a' | 'b', AgentClient> = {} as never;

  /** Claims once; finishes what it got SUCCESSFUL (a platform part with its image). */
  async function take(name: 'a' | 'b'): Promise<string | null> {
    const job = await agents[name].claim();
    if (!job) return null;
    await agents[name].finish(job.jobId, job.attempt, 'SUCCESSFUL', null, madeUpImage(job));
    return partOf(job);
  }
  async function ended(id: number) {
    for (let i = 0; i < 100; i++) {
      const e = (await api.get(`${P}/${pipeline}/executions/${id}`)).body;
      if (e.status === 'SUCCESSFUL' || e.status === 'FAILED') return e.status as string;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the run did not end');
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'archway-warm-'));
    api = await startApi(
      { ARCHWAY_BUILTIN_AGENT: '0', ARCHWAY_GIT_POLL_SECONDS: '0', ARCHWAY_FANOUT: 'on' },
      { listen: true, claimWaitMs: 200, clock: { now: () => new Date(Date.now() + offset) } },
    );
    const repo = join(work, 'repo');
    initDockerfileRepo(repo);
    await api.post('/workspaces', { domain: 'acme', name: 'Acme' });
    await api.post('/workspaces/acme/projects', { display_name: 'Site', custom_repo_url: repo });
    pipeline = (await api.post(P, { name: 'warm', cache_scope: 'PROJECT' })).body.id;
    const action = await api.post(`${P}/${pipeline}/actions`, {
      type: 'DOCKER_BUILD_MULTI_ARCH',
      name: 'build',
      repository: '127.0.0.1:5999/team/warm',
      target_platform: 'linux/arm64,linux/arm/v7',
    });
    expect(action.status, JSON.stringify(action.body)).toBe(201);
    for (const name of ['a', 'b'] as const) {
      const token = (await api.post('/agent/v1/agents', { name })).body.token as string;
      agents[name] = createAgentClient({ server: api.baseUrl, token, claimTimeoutMs: 5_000 });
      await agents[name].hello({
        hostPlatform: 'linux/amd64',
        native: ['linux/amd64'],
        emulated: ['linux/arm64', 'linux/arm/v7'],
      });
    }
  });
  afterAll(async () => {
    await api?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('the second run: the other agent leaves both platforms to the warm one, then takes one after the wait', async () => {
    const first = (await api.post(`${P}/${pipeline}/executions`, {})).body.id as number;
    expect([await take('a'), await take('a'), await take('a')]).toEqual(['linux/arm64', 'linux/arm/v7', 'INDEX']);
    expect(await ended(first)).toBe('SUCCESSFUL');

    const second = (await api.post(`${P}/${pipeline}/executions`, {})).body.id as number;
    expect(await take('b')).toBeNull(); // both parts are warm on a, which is known and as able
    expect(await take('a')).toBe('linux/arm64');
    offset += 11_000; // past WARM_WAIT_MS: a warm agent that does not come does not hold the job
    expect(await take('b')).toBe('linux/arm/v7');
    expect(await take('a')).toBe('INDEX');
    expect(await ended(second)).toBe('SUCCESSFUL');
  });
});

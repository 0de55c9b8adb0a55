import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRegistry } from '../../src/registry-server/local-registry.js';
import { runChild } from '../../src/process/child.js';
import { startApi, type Api } from '../support/api-harness.js';
import { ensureBusyboxBase } from '../support/busybox-base.js';
import { rawIndex } from '../support/image-files.js';
import { startOpenRegistry } from '../support/registry.js';

/** `archway agent` in its own process, as on another machine: killed with -9 mid-build, then replaced. */
describe('an agent killed mid-build', () => {
  let work: string;
  let registry: LocalRegistry;
  let api: Api;
  let agent: ChildProcess | undefined;
  const P = '/workspaces/acme/projects/site/pipelines';

  async function startRemoteAgent(): Promise<ChildProcess> {
    const { token } = await api.core.useCases.agentJobs.registerAgent('remote', [], 'remote');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'agent', '--server', api.baseUrl], {
      cwd: join(import.meta.dirname, '../..'),
      stdio: 'ignore',
      env: {
        ...process.env,
        ARCHWAY_AGENT_TOKEN: token,
        ARCHWAY_DATA_DIR: join(work, 'agent-data'),
        ARCHWAY_INSECURE_REGISTRIES: registry.host,
        ARCHWAY_AGENT_LEASE_SECONDS: '3',
        ARCHWAY_LOG_LEVEL: 'error',
      },
    });
    return child;
  }
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'archway-lost-'));
    registry = await startOpenRegistry(join(work, 'registry'));
    const base = await ensureBusyboxBase(registry.host);
    const repo = join(work, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    writeFileSync(join(repo, 'Dockerfile'), `FROM ${base}\nARG NAP=0\nRUN echo nap-started && sleep $NAP\n`);
    execFileSync('git', ['-C', repo, 'add', '-A']);
    execFileSync('git', ['-C', repo, '-c', 'user.name=A', '-c', 'user.email=a@b.c', 'commit', '-qm', 'Dockerfile']);
    api = await startApi({ ARCHWAY_AGENT_LEASE_SECONDS: '3' }, { listen: true, claimWaitMs: 1000 });
    await api.post('/workspaces', { domain: 'acme', name: 'Acme' });
    await api.post('/workspaces/acme/projects', { display_name: 'Site', custom_repo_url: repo });
  });
  afterAll(async () => {
    agent?.kill('SIGTERM');
    await api?.close();
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('fails the run as "agent lost", kills the orphaned RUN on the next start, and the next run succeeds', async () => {
    const p = await api.post(P, { name: 'lost' });
    const path = `${P}/${p.body.id}`;
    await api.post(`${path}/actions`, {
      type: 'DOCKER_BUILD_MULTI_ARCH',
      name: 'build',
      repository: `${registry.host}/team/lost`,
      build_args: ['NAP=$NAP'],
    });
    await api.post('/workspaces/acme/variables', {
      key: 'NAP',
      value: '73',
      project: { name: 'site' },
      pipeline: { id: p.body.id },
    });
    agent = await startRemoteAgent();
    const run = await api.post(`${path}/executions`, {});
    const url = `${path}/executions/${run.body.id}`;
    for (const end = Date.now() + 90_000; ;) {
      const e = (await api.get(url)).body;
      const log = (await api.get(`${url}/action/${e.action_executions[0].action.id}`)).body.log as string[];
      if (log.some((l) => l.endsWith('nap-started'))) break;
      if (Date.now() > end) throw new Error(`never started: ${JSON.stringify(e)}`);
      await sleep(250);
    }
    agent.kill('SIGKILL');
    const killedAt = Date.now();
    let done;
    for (;;) {
      done = (await api.get(url)).body;
      if (done.status !== 'INPROGRESS' && done.status !== 'ENQUEUED') break;
      if (Date.now() - killedAt > 60_000) throw new Error('still running a minute after the agent died');
      await sleep(250);
    }
    expect(done.status).toBe('FAILED');
    expect(done.action_executions[0].error_message).toMatch(/^Agent lost/);
    await expect(rawIndex(`${registry.host}/team/lost:latest`)).rejects.toThrow(/manifest unknown|name unknown/);

    agent = await startRemoteAgent();
    await api.patch(
      `/workspaces/acme/variables/${(await api.get('/workspaces/acme/variables?projectName=site&pipelineId=' + p.body.id)).body.variables[0].id}`,
      { value: '0' },
    );
    const next = await api.post(`${path}/executions`, {});
    for (const end = Date.now() + 120_000; ;) {
      done = (await api.get(`${path}/executions/${next.body.id}`)).body;
      if (['SUCCESSFUL', 'FAILED', 'TERMINATED'].includes(done.status)) break;
      if (Date.now() > end) throw new Error('the next run did not finish');
      await sleep(250);
    }
    expect(done.status, done.action_executions[0].error_message).toBe('SUCCESSFUL');
    expect((await runChild(['pgrep', '-f', 'sleep 73'])).stdout.trim()).toBe('');
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startApi, type Api } from '../support/api-harness.js';
import { initDockerfileRepo } from '../support/runnable-pipeline.js';
import { startScriptedAgent } from '../support/scripted-agent.js';

/**
 * Pushes that arrive while a run builds: a real server, a real repository, the poller driven by hand, and an agent
 * speaking the real protocol whose `hold` action runs until cancelled (so the first run stays in progress).
 */
const P = '/workspaces/acme/projects/site/pipelines';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp(options: Record<string, unknown> = {}) {
  const api = await startApi({ ARCHWAY_BUILTIN_AGENT: '0', ARCHWAY_GIT_POLL_SECONDS: '0' }, { listen: true });
  cleanups.push(() => api.close());
  const repo = mkdtempSync(join(tmpdir(), 'archway-push-queue-'));
  cleanups.push(() => rmSync(repo, { recursive: true, force: true }));
  initDockerfileRepo(repo);
  await api.post('/workspaces', { domain: 'acme', name: 'Acme' });
  const project = await api.post('/workspaces/acme/projects', { display_name: 'Site', custom_repo_url: repo });
  const made = await api.post(P, { name: 'p', events: [{ type: 'PUSH', refs: ['refs/heads/main'] }], ...options });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const path = `${P}/${made.body.id}`;
  await api.post(`${path}/actions`, { type: 'DOCKER_BUILD_MULTI_ARCH', name: 'hold', repository: 'r.example/x' });
  const token = (await api.post('/agent/v1/agents', { name: 'scripted' })).body.token as string;
  const agent = startScriptedAgent({ servers: () => [api.baseUrl], token, workMs: 50, heartbeatMs: 200 });
  cleanups.push(() => agent.stop());
  const projectId = (await api.core.store.projects.byName(
    (await api.core.store.workspaces.byDomain('acme'))!.id,
    project.body.name,
  ))!.id;
  // A hint naming no ref: the first poll records the refs, every later one handles what moved.
  const poll = () =>
    api.core.useCases.gitPoller.pollNow(projectId, { ref: 'refs/heads/-', before: null, after: null, pusher: null });
  await poll();
  const push = async (file: string) => {
    writeFileSync(join(repo, file), file);
    execFileSync('git', ['-C', repo, 'add', '-A']);
    execFileSync('git', ['-C', repo, '-c', 'user.name=A', '-c', 'user.email=a@b.c', 'commit', '-qm', `add ${file}`]);
    await poll();
    return execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD']).toString().trim();
  };
  /** Work goes on on branch f from here; `deleteF` deletes it (back on main). */
  const onBranchF = () => execFileSync('git', ['-C', repo, 'checkout', '-q', '-b', 'f']);
  const deleteF = async () => {
    execFileSync('git', ['-C', repo, 'checkout', '-q', 'main']);
    execFileSync('git', ['-C', repo, 'branch', '-q', '-D', 'f']);
    await poll();
  };
  return { api, path, push, agent, onBranchF, deleteF };
}

const runsOf = async (api: Api, path: string) =>
  ((await api.get(`${path}/executions`)).body.executions as any[]).sort((a, b) => a.id - b.id);

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (const end = Date.now() + 10_000; ; await sleep(50)) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

describe('pushes while a run of the pipeline builds', () => {
  it('leave one waiting run, of the newest commit: earlier waiting ones end TERMINATED saying which run took over', async () => {
    const { api, path, push } = await setUp();
    const first = await push('one');
    const [building] = await runsOf(api, path);
    const hex = building.action_executions[0].action_execution_id as string;
    await until('the first run to build', async () => {
      const log = (await api.get(`${path}/executions/${building.id}/action_executions/${hex}`)).body.log as string[];
      return log.length >= 3 ? log : undefined;
    });
    const log = (await api.get(`${path}/executions/${building.id}/action_executions/${hex}`)).body.log as string[];
    // What started the run and what it builds come first; the agent's own lines after them.
    expect(log.slice(0, 2)).toEqual([
      `Run #${building.id} started by a push to refs/heads/main (${first.slice(0, 7)}).`,
      `Building ${first} on main: add one`,
    ]);

    await push('two');
    const newest = await push('three');
    const runs = await runsOf(api, path);
    expect(runs.map((r) => r.status)).toEqual(['INPROGRESS', 'TERMINATED', 'ENQUEUED']);
    expect(runs[1].error_message).toBe(
      `Skipped: run #${runs[2].id} builds a newer push to refs/heads/main (${newest.slice(0, 7)}).`,
    );
    expect(runs[1].action_executions.map((a: any) => a.status)).toEqual(['NOT_EXECUTED']);
    expect(runs[2].to_revision.revision).toBe(newest);

    // The run in progress ends; the newest waiting one starts.
    expect((await api.patch(`${path}/executions/${building.id}`, { operation: 'CANCEL' })).status).toBe(200);
    await until('the newest run to start', async () =>
      (await runsOf(api, path))[2].status === 'INPROGRESS' ? true : undefined,
    );
  });

  it("leave a waiting push run alone when the ref is deleted (the deletion's run builds the default branch)", async () => {
    const { api, path, push, onBranchF, deleteF } = await setUp({
      events: [
        { type: 'PUSH', refs: ['refs/heads/f'] },
        { type: 'DELETE_REF', refs: ['refs/heads/f'] },
      ],
    });
    onBranchF();
    await push('one');
    await push('two');
    await deleteF();
    const runs = await runsOf(api, path);
    expect(runs.map((r) => r.status)).toEqual(['INPROGRESS', 'ENQUEUED', 'ENQUEUED']);
    expect(runs.map((r) => r.branch.name)).toEqual(['f', 'f', 'main']);
  });

  it('each wait for their own build with no_skip_to_most_recent', async () => {
    const { api, path, push } = await setUp({ no_skip_to_most_recent: true });
    await push('one');
    await push('two');
    await push('three');
    expect((await runsOf(api, path)).map((r) => r.status)).toEqual(['INPROGRESS', 'ENQUEUED', 'ENQUEUED']);
  });
});

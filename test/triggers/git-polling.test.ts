import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startApi, type Api } from '../support/api-harness.js';
import { initDockerfileRepo } from '../support/runnable-pipeline.js';

/**
 * Push triggers by git polling (issue 12), end to end: a real server over SQLite with no agent (runs stay queued),
 * real git repositories in temp dirs as the projects' `custom_repo_url`, and the server's own poll loop (every 1 s,
 * a project every ARCHWAY_GIT_POLL_SECONDS = 2). Where latency does not matter a test polls the project itself with
 * `pollNow`, which resolves once the poll is done; the background loop may poll the same change at the same time,
 * so the tests count the runs in the executions list, never the poll's return.
 */
const P = '/workspaces/acme/projects/site/pipelines';
const NO_HINT = { ref: '', before: null, after: null, pusher: null };

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, '-c', 'user.name=A', '-c', 'user.email=a@b.c', ...args], {
    encoding: 'utf8',
  }).trim();

/** A new commit on the checked-out branch; returns its sha. */
function commit(dir: string, message: string): string {
  appendFileSync(join(dir, 'changes.txt'), `${message}\n`);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', message);
  return git(dir, 'rev-parse', 'HEAD');
}

interface Site {
  api: Api;
  work: string;
  projectId: number;
  /** A pipeline with `events` (Buddy JSON) and one action, so a run of it is made; returns its id. */
  pipeline(name: string, events: unknown[]): Promise<number>;
  /** The pipeline's runs, oldest first. */
  runs(id: number): Promise<any[]>;
  /** Waits (up to `ms`) until the pipeline has at least `n` runs; returns them, oldest first. */
  waitForRuns(id: number, n: number, ms?: number): Promise<any[]>;
  /** Waits until the project's first poll (which only records the refs) is done. */
  recorded(): Promise<void>;
  /** Polls the project now and resolves when the poll is done. */
  poll(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function site(): Promise<Site> {
  const api = await startApi({ ARCHWAY_BUILTIN_AGENT: '0', ARCHWAY_GIT_POLL_SECONDS: '2' });
  const work = mkdtempSync(join(tmpdir(), 'archway-poll-'));
  cleanups.push(async () => {
    await api.close();
    rmSync(work, { recursive: true, force: true });
  });
  initDockerfileRepo(work);
  expect((await api.post('/workspaces', { domain: 'acme', name: 'Acme' })).status).toBe(201);
  expect((await api.post('/workspaces/acme/projects', { display_name: 'Site', custom_repo_url: work })).status).toBe(
    201,
  );
  const workspace = (await api.core.store.workspaces.byDomain('acme'))!;
  const projectId = (await api.core.store.projects.byName(workspace.id, 'site'))!.id;
  const runs = async (id: number) => {
    const res = await api.get(`${P}/${id}/executions`);
    expect(res.status).toBe(200);
    return [...(res.body.executions as any[])].sort((a, b) => a.id - b.id);
  };
  async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await sleep(50);
    }
  }
  return {
    api,
    work,
    projectId,
    async pipeline(name, events) {
      const res = await api.post(P, { name, events });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const action = await api.post(`${P}/${res.body.id}/actions`, {
        type: 'DOCKER_BUILD_MULTI_ARCH',
        name: 'b',
        repository: 'r.example/x',
      });
      expect(action.status, JSON.stringify(action.body)).toBe(201);
      return res.body.id as number;
    },
    runs,
    waitForRuns: (id, n, ms = 5_000) =>
      until(`${n} run(s) of pipeline ${id}`, ms, async () => {
        const list = await runs(id);
        return list.length >= n ? list : undefined;
      }),
    recorded: () =>
      until('the first poll', 5_000, async () =>
        (await api.core.store.gitRefs.pollOf(projectId))?.recorded ? true : undefined,
      ).then(() => undefined),
    poll: () => api.core.useCases.gitPoller.pollNow(projectId, NO_HINT).then(() => undefined),
  };
}

const revisions = (runs: any[]) => runs.map((r) => r.to_revision?.revision);

describe('push triggers by git polling', () => {
  it('a push to main starts exactly one run within one poll interval, and a later poll starts no second', async () => {
    const s = await site();
    const id = await s.pipeline('p', [{ type: 'PUSH', refs: ['refs/heads/main'] }]);
    await s.recorded();
    expect(await s.runs(id)).toHaveLength(0);

    const sha = commit(s.work, 'a change');
    const t0 = performance.now();
    const [run] = await s.waitForRuns(id, 1, 5_000);
    const latency = performance.now() - t0;
    console.log(`push → run latency with ARCHWAY_GIT_POLL_SECONDS=2: ${Math.round(latency)} ms`);
    // The bound: within ARCHWAY_GIT_POLL_SECONDS + 1 s (the poll loop looks each second), plus resolving the commit.
    expect(latency).toBeLessThan(3_500);
    expect(run.trigger).toEqual({ type: 'PUSH', ref: 'refs/heads/main', by: null });
    expect(run.triggeredOn).toBe('EVENT');
    expect(['ENQUEUED', 'INPROGRESS']).toContain(run.status); // queued for an agent, not failed
    expect(run.branch.name).toBe('main');
    expect(run.to_revision.revision).toBe(sha);

    // Another poll of the server's own loop (its next poll claimed after the run appeared), then one more of ours.
    const seen = Date.now();
    await s.waitForRuns(id, 1);
    const deadline = Date.now() + 4_000;
    while ((await s.api.core.store.gitRefs.pollOf(s.projectId))!.nextPollAt.getTime() < seen + 2_000) {
      expect(Date.now()).toBeLessThan(deadline);
      await sleep(100);
    }
    await s.poll();
    expect(await s.runs(id)).toHaveLength(1);
  });

  it('the first poll only records: refs that were there before the pipeline start nothing', async () => {
    const s = await site();
    git(s.work, 'branch', 'release-0');
    git(s.work, 'tag', 'v0.9');
    const id = await s.pipeline('p', [{ type: 'PUSH', refs: ['refs/heads/*', 'refs/tags/*'] }]);
    await s.recorded();
    await s.poll();
    expect(await s.runs(id)).toHaveLength(0);
    expect([...(await s.api.core.store.gitRefs.refs(s.projectId)).keys()].sort()).toEqual([
      'refs/heads/main',
      'refs/heads/release-0',
      'refs/tags/v0.9',
    ]);

    // The pipeline does fire, for what moves after.
    const sha = commit(s.work, 'after');
    await s.poll();
    expect(revisions(await s.runs(id))).toEqual([sha]);
  });

  it('a wildcard branch pattern fires for a new matching branch and a push to it, not for another branch', async () => {
    const s = await site();
    const release = await s.pipeline('release', [{ type: 'PUSH', refs: ['refs/heads/release-*'] }]);
    const all = await s.pipeline('all', [{ type: 'PUSH' }]);
    await s.recorded();
    const base = git(s.work, 'rev-parse', 'HEAD');

    git(s.work, 'branch', 'release-1'); // a creation: a push of a new ref
    await s.poll();
    git(s.work, 'checkout', '-q', 'release-1');
    const onRelease = commit(s.work, 'fix on release-1');
    git(s.work, 'checkout', '-q', '-b', 'feature-x', 'main');
    const onFeature = commit(s.work, 'feature work');
    git(s.work, 'checkout', '-q', 'main');
    await s.poll();

    const releaseRuns = await s.runs(release);
    expect(revisions(releaseRuns)).toEqual([base, onRelease]);
    expect(releaseRuns.map((r) => [r.trigger.ref, r.branch.name])).toEqual([
      ['refs/heads/release-1', 'release-1'],
      ['refs/heads/release-1', 'release-1'],
    ]);
    // No patterns: every branch (the feature branch did move, so "release" had its chance).
    const allRuns = await s.runs(all);
    expect(allRuns.map((r) => `${r.branch.name} ${r.to_revision.revision}`).sort()).toEqual(
      [`release-1 ${base}`, `release-1 ${onRelease}`, `feature-x ${onFeature}`].sort(),
    );
  });

  it('a tag pattern fires for a new tag with the tag’s commit; a pipeline without patterns ignores tags', async () => {
    const s = await site();
    const tags = await s.pipeline('tags', [{ type: 'PUSH', refs: ['refs/tags/v*'] }]);
    const all = await s.pipeline('all', [{ type: 'PUSH' }]);
    await s.recorded();
    const tagged = git(s.work, 'rev-parse', 'HEAD');
    const head = commit(s.work, 'after the tag point');
    await s.poll();
    expect(revisions(await s.runs(all))).toEqual([head]);

    // An annotated tag on the older commit: ls-remote names the tag object and its peeled commit.
    git(s.work, 'tag', '-a', 'v1.0', '-m', 'release 1.0', tagged);
    git(s.work, 'tag', 'nightly'); // a lightweight tag the pattern does not name
    await s.poll();
    const [run, ...more] = await s.runs(tags);
    expect(more).toHaveLength(0);
    expect(run.trigger).toEqual({ type: 'PUSH', ref: 'refs/tags/v1.0', by: null });
    expect(run.to_revision.revision).toBe(tagged);
    expect(revisions(await s.runs(all))).toEqual([head]);
  });

  it('a commit message with [skip ci] starts nothing; the next normal commit does', async () => {
    const s = await site();
    const id = await s.pipeline('p', [{ type: 'PUSH', refs: ['main'] }]);
    await s.recorded();
    commit(s.work, 'docs only [skip ci]');
    await s.poll();
    expect(await s.runs(id)).toHaveLength(0);
    commit(s.work, 'wip\n\nbody says [Buddy Skip]');
    await s.poll();
    expect(await s.runs(id)).toHaveLength(0);
    const sha = commit(s.work, 'a real change');
    await s.poll();
    expect(revisions(await s.runs(id))).toEqual([sha]);
  });

  it('a DELETE_REF event: deleting a branch starts a run of the default branch', async () => {
    const s = await site();
    const id = await s.pipeline('cleanup', [{ type: 'DELETE_REF', refs: ['refs/heads/feature-*'] }]);
    await s.recorded();
    git(s.work, 'checkout', '-q', '-b', 'feature-1');
    commit(s.work, 'on the feature');
    git(s.work, 'checkout', '-q', 'main');
    await s.poll();
    expect(await s.runs(id)).toHaveLength(0); // a creation or a push is not a deletion

    git(s.work, 'branch', '-D', 'feature-1');
    await s.poll();
    const [run, ...more] = await s.runs(id);
    expect(more).toHaveLength(0);
    expect(run.trigger).toEqual({ type: 'PUSH', ref: 'refs/heads/feature-1', by: null });
    expect(run.branch.name).toBe('main');
    expect(run.to_revision.revision).toBe(git(s.work, 'rev-parse', 'main'));
  });

  it('a force-push (amend, reset to an earlier commit) is a move and starts a run of the new sha', async () => {
    const s = await site();
    const id = await s.pipeline('p', [{ type: 'PUSH', refs: ['refs/heads/main'] }]);
    await s.recorded();
    const first = git(s.work, 'rev-parse', 'HEAD');
    const pushed = commit(s.work, 'a change');
    await s.poll();
    git(s.work, 'commit', '-q', '--amend', '-m', 'a change, reworded');
    const amended = git(s.work, 'rev-parse', 'HEAD');
    expect(amended).not.toBe(pushed);
    await s.poll();
    git(s.work, 'reset', '-q', '--hard', first);
    await s.poll();
    expect(revisions(await s.runs(id))).toEqual([pushed, amended, first]);
  });

  it('a ref moved back to a sha it had is a new push: revert and re-push run again', async () => {
    const s = await site();
    const id = await s.pipeline('p', [{ type: 'PUSH', refs: ['refs/heads/main'] }]);
    await s.recorded();
    const first = git(s.work, 'rev-parse', 'HEAD');
    const pushed = commit(s.work, 'a change');
    await s.poll();
    git(s.work, 'reset', '-q', '--hard', first);
    await s.poll();
    git(s.work, 'reset', '-q', '--hard', pushed);
    await s.poll();
    await s.poll();
    expect(revisions(await s.runs(id))).toEqual([pushed, first, pushed]);
  });

  it('a branch deleted, recreated at the same sha and deleted again: each creation and deletion runs', async () => {
    const s = await site();
    const created = await s.pipeline('on-create', [{ type: 'CREATE_REF', refs: ['refs/heads/feature-*'] }]);
    const deleted = await s.pipeline('on-delete', [{ type: 'DELETE_REF', refs: ['refs/heads/feature-*'] }]);
    await s.recorded();
    const sha = git(s.work, 'rev-parse', 'HEAD');
    for (let round = 0; round < 2; round++) {
      git(s.work, 'branch', 'feature-1', sha);
      await s.poll();
      git(s.work, 'branch', '-D', 'feature-1');
      await s.poll();
    }
    await s.poll();
    expect(revisions(await s.runs(created))).toEqual([sha, sha]);
    expect((await s.runs(deleted)).map((r) => r.trigger.ref)).toEqual(['refs/heads/feature-1', 'refs/heads/feature-1']);
    expect((await s.api.core.store.gitRefs.refs(s.projectId)).get('refs/heads/feature-1')).toEqual({
      sha: null,
      moves: 4,
    });
  });

  it('two pipelines of one project with matching events: one push starts one run of each, however often polled', async () => {
    const s = await site();
    const a = await s.pipeline('a', [{ type: 'PUSH', refs: ['main'] }]);
    const b = await s.pipeline('b', [{ type: 'PUSH', refs: ['refs/heads/*'] }]);
    await s.recorded();
    const sha = commit(s.work, 'for both');
    await Promise.all([s.poll(), s.poll(), s.api.core.useCases.gitPoller.tick()]);
    await s.poll();
    expect(revisions(await s.runs(a))).toEqual([sha]);
    expect(revisions(await s.runs(b))).toEqual([sha]);
  });

  it('a disabled pipeline starts nothing', async () => {
    const s = await site();
    const off = await s.pipeline('off', [{ type: 'PUSH', refs: ['main'] }]);
    const on = await s.pipeline('on', [{ type: 'PUSH', refs: ['main'] }]);
    const patched = await s.api.patch(`${P}/${off}`, { disabled: true });
    expect(patched.status).toBe(200);
    expect(patched.body.disabled).toBe(true);
    await s.recorded();
    const sha = commit(s.work, 'a change');
    await s.poll();
    expect(revisions(await s.runs(on))).toEqual([sha]);
    expect(await s.runs(off)).toHaveLength(0);
  });
});

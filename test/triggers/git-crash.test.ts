import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { initDockerfileRepo } from '../support/runnable-pipeline.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

/**
 * kill -9 between a push's runs and the record of its move (crash point `push.runs-started`): `archway serve` in a
 * process of its own polls a real repository every 2 s, dies right after starting the push's run, and the next
 * start polls the same move again. It must start no second run of that push (the move's key, unique per pipeline)
 * and must record the move, so the next push runs once too. SQLite; the key's unique index is the same SQL on
 * PostgreSQL (the store contract runs on both).
 */
const P = '/workspaces/acme/projects/site/pipelines';
let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'archway-git-crash-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, '-c', 'user.name=A', '-c', 'user.email=a@b.c', ...args], { encoding: 'utf8' }).trim();

function commit(dir: string, message: string): string {
  appendFileSync(join(dir, 'changes.txt'), `${message}\n`);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', message);
  return git(dir, 'rev-parse', 'HEAD');
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (const end = Date.now() + ms; ; await sleep(100)) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
  }
}

it('a crash after a push started its run and before its move was recorded: the restart runs it no second time', async () => {
  const repo = join(work, 'repo');
  const dataDir = join(work, 'data');
  initDockerfileRepo(repo);
  const port = await freePort();
  const start = (extra: Record<string, string> = {}) =>
    startServerProcess({
      port,
      dataDir,
      repoRoot: work,
      env: { ARCHWAY_GIT_POLL_SECONDS: '2', ...extra },
      logFile: join(work, 'server.log'),
    });
  let server: ServerProcess = await start({ ARCHWAY_CRASH_AT: 'push.runs-started' });
  try {
    await server.call('POST', '/workspaces', { domain: 'acme', name: 'Acme' });
    await server.call('POST', '/workspaces/acme/projects', { display_name: 'Site', custom_repo_url: repo });
    const pipeline = (await server.call('POST', P, { name: 'p', events: [{ type: 'PUSH', refs: ['main'] }] })).body
      .id as number;
    await server.call('POST', `${P}/${pipeline}/actions`, {
      type: 'DOCKER_BUILD_MULTI_ARCH',
      name: 'b',
      repository: 'r.example/x',
    });
    // Read-only look at the server's database: the first poll (which only records the refs) is done.
    const db = new Database(join(dataDir, 'archway.db'), { readonly: true, fileMustExist: true });
    try {
      await until('the first poll', 10_000, () =>
        (db.prepare('select recorded from git_polls').get() as { recorded: number } | undefined)?.recorded
          ? true
          : undefined,
      );
    } finally {
      db.close();
    }

    const pushed = commit(repo, 'a change');
    const crashed = await Promise.race([server.exited, sleep(15_000).then(() => null)]);
    expect(crashed, `the server did not reach push.runs-started:\n${server.output()}`).toEqual({
      code: null,
      signal: 'SIGKILL',
    });

    server = await start();
    const runs = async () =>
      ((await server.call('GET', `${P}/${pipeline}/executions?per_page=100`)).body.executions as any[])
        .map((e) => ({ id: e.id as number, sha: e.to_revision?.revision as string }))
        .sort((a, b) => a.id - b.id);
    // Two poll intervals after the restart: the move was seen again (and is now recorded).
    await sleep(5_000);
    expect((await runs()).map((r) => r.sha)).toEqual([pushed]);

    const next = commit(repo, 'the next change');
    const after = await until('the next push’s run', 10_000, async () => {
      const list = await runs();
      return list.length >= 2 ? list : undefined;
    });
    await sleep(2_500);
    expect((await runs()).map((r) => r.sha)).toEqual([pushed, next]);
    expect(after).toHaveLength(2);
  } finally {
    await server.stop();
  }
});

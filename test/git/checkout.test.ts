import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRevisionSource, createGitWorkTrees } from '../../src/git/index.js';
import { commit, filesBelow, filesContaining, git, makeOrigin, serveGit } from './git-fixtures.js';

const noCreds = { user: null, password: null };
const head = { branch: null, revision: null };

let root: string;
let origin: string;
let work: string;
let mirrorsDir: string;
const shas: Record<string, string> = {};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'archway-git-test-'));
  ({ origin, work } = makeOrigin(root));
  mirrorsDir = join(root, 'mirrors');
  shas.first = commit(work, 'main', 'First commit', { 'README.md': 'hello\n' });
  shas.second = commit(work, 'main', 'Add the app\n\nWith a body line.', {
    'app/docker/Dockerfile': 'FROM scratch\n',
    'app/main.txt': 'v1\n',
  });
  git(work, 'checkout', '-q', '-b', 'dev');
  shas.dev = commit(work, 'dev', 'Dev work', { 'app/main.txt': 'dev\n', 'dev-only.txt': 'x\n' });
  git(work, 'checkout', '-q', 'main');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('git revision source', () => {
  const revisions = () => createGitRevisionSource({ mirrorsDir });
  const source = () => ({ url: origin, ...noCreds });

  it('resolves HEAD to the tip of the default branch with the commit metadata', async () => {
    const revision = await revisions().resolve('p1', source(), head, 'main');
    expect(revision).toEqual({
      sha: shas.second,
      branch: 'main',
      message: 'Add the app\n\nWith a body line.',
      authorName: 'Ada Author',
      authorEmail: 'ada@example.com',
      authorDate: '2024-05-06T07:08:09+02:00',
      committerName: 'Cy Committer',
      committerEmail: 'cy@example.com',
      commitDate: '2024-05-07T10:11:12+00:00',
    });
    expect(existsSync(join(mirrorsDir, 'p1.git', 'HEAD'))).toBe(true);
  });

  it('resolves a branch, the remote HEAD when no default branch is set, and HEAD as a revision', async () => {
    expect((await revisions().resolve('p1', source(), { branch: 'dev', revision: null }, 'main')).sha).toBe(shas.dev);
    expect((await revisions().resolve('p1', source(), { branch: 'dev', revision: 'HEAD' }, 'main')).sha).toBe(shas.dev);
    git(origin, 'symbolic-ref', 'HEAD', 'refs/heads/dev');
    try {
      expect(await revisions().resolve('p1', source(), head, '')).toMatchObject({ sha: shas.dev, branch: 'dev' });
    } finally {
      git(origin, 'symbolic-ref', 'HEAD', 'refs/heads/main');
    }
    expect(await revisions().resolve('p1', source(), head, '')).toMatchObject({ sha: shas.second, branch: 'main' });
  });

  it('resolves a full and an abbreviated sha, also through a file:// URL', async () => {
    const full = await revisions().resolve('p1', source(), { branch: null, revision: shas.first! }, 'main');
    expect(full).toMatchObject({ sha: shas.first, branch: null, message: 'First commit' });
    const short = await revisions().resolve(
      'p2',
      { url: `file://${origin}`, ...noCreds },
      { branch: null, revision: shas.first!.slice(0, 7) },
      'main',
    );
    expect(short.sha).toBe(shas.first);
  });

  it('names the missing branch and lists the existing ones; says when a revision is not there', async () => {
    await expect(revisions().resolve('p1', source(), { branch: 'nope', revision: null }, 'main')).rejects.toThrow(
      'Branch "nope" does not exist in the repository (it has: dev, main).',
    );
    await expect(revisions().resolve('p1', source(), head, 'gone')).rejects.toThrow(
      'Branch "gone" does not exist in the repository (it has: dev, main).',
    );
    await expect(revisions().resolve('p1', source(), { branch: null, revision: 'abc1234def' }, 'main')).rejects.toThrow(
      'Revision "abc1234def" is not in the repository.',
    );
    await expect(
      revisions().resolve('p1', source(), { branch: null, revision: '--upload-pack=x' }, 'main'),
    ).rejects.toThrow('is not a commit sha');
  });

  it('explains a repository that does not exist or cannot be reached', async () => {
    await expect(
      revisions().resolve('p3', { url: join(root, 'missing.git'), ...noCreds }, head, 'main'),
    ).rejects.toThrow(/^The repository ".*missing\.git" was not found: check "custom_repo_url" \(git: fatal: .*\)\.$/);
    await expect(
      revisions().resolve('p4', { url: 'http://127.0.0.1:9/none.git', ...noCreds }, head, 'main'),
    ).rejects.toThrow(/^The repository "http:\/\/127\.0\.0\.1:9\/none\.git" cannot be reached/);
    expect(readdirSync(mirrorsDir).filter((f) => f.startsWith('p3') || f.startsWith('p4'))).toEqual([]);
  });

  it('serves two resolves of one project at once', async () => {
    const both = await Promise.all([
      revisions().resolve('p5', source(), head, 'main'),
      createGitRevisionSource({ mirrorsDir }).resolve('p5', source(), { branch: 'dev', revision: null }, 'main'),
    ]);
    expect(both.map((r) => r.sha)).toEqual([shas.second, shas.dev]);
  });
});

describe('git work trees', () => {
  const trees = () => createGitWorkTrees({ mirrorsDir });
  const source = () => ({ url: origin, ...noCreds });

  it('materializes exactly the tree of a sha, replacing what was in the directory', async () => {
    const dir = join(root, 'job1', 'src');
    await trees().materialize('p1', source(), shas.dev!, dir);
    expect(filesBelow(dir)).toEqual(git(origin, 'ls-tree', '-r', '--name-only', shas.dev!).split('\n').sort());
    expect(readFileSync(join(dir, 'app/main.txt'), 'utf8')).toBe('dev\n');
    await trees().materialize('p1', source(), shas.first!, dir);
    expect(filesBelow(dir)).toEqual(['README.md']);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(shas.first);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(git(dir, 'remote', 'get-url', 'origin')).toBe(origin);
    await trees().discard(dir);
    expect(existsSync(dir)).toBe(false);
  });

  it('sees a commit pushed after the mirror was made, and clones again after forget', async () => {
    const newer = commit(work, 'main', 'Third', { 'app/main.txt': 'v2\n' });
    const revision = await createGitRevisionSource({ mirrorsDir }).resolve('p1', source(), head, 'main');
    expect(revision.sha).toBe(newer);
    const later = commit(work, 'main', 'Fourth', { 'app/main.txt': 'v3\n' });
    const dir = join(root, 'job2');
    await trees().materialize('p1', source(), later, dir);
    expect(readFileSync(join(dir, 'app/main.txt'), 'utf8')).toBe('v3\n');
    await trees().forget('p1');
    expect(existsSync(join(mirrorsDir, 'p1.git'))).toBe(false);
    await trees().materialize('p1', source(), newer, dir);
    expect(readFileSync(join(dir, 'app/main.txt'), 'utf8')).toBe('v2\n');
    await expect(trees().materialize('p1', source(), 'abcdef0123456789', dir)).rejects.toThrow(
      'Revision "abcdef0123456789" is not in the repository.',
    );
    expect(existsSync(join(mirrorsDir, 'p1.git'))).toBe(true);
  });
});

describe('credentials over http', () => {
  const password = `pw-${Math.random().toString(36).slice(2)}-Zq9`;
  let server: Awaited<ReturnType<typeof serveGit>>;
  let url: string;
  const askpassDirs = () => readdirSync(tmpdir()).filter((f) => /^archway-git-(?!test)/.test(f)).length;

  beforeAll(async () => {
    const served = join(root, 'served');
    git(root, 'clone', '-q', '--bare', origin, join(served, 'repo.git'));
    server = await serveGit(served, 'reader', password);
    url = `${server.base}/repo.git`;
  });
  afterAll(() => server.close());

  it('clones with the right password and leaves it nowhere on disk', async () => {
    const before = askpassDirs();
    const creds = { url, user: 'reader', password };
    const revision = await createGitRevisionSource({ mirrorsDir }).resolve('h1', creds, head, 'main');
    const dir = join(root, 'job-http');
    await createGitWorkTrees({ mirrorsDir }).materialize('h1', creds, revision.sha, dir);
    expect(readFileSync(join(dir, 'app/docker/Dockerfile'), 'utf8')).toBe('FROM scratch\n');
    expect(filesContaining(join(mirrorsDir, 'h1.git'), password)).toEqual([]);
    expect(filesContaining(dir, password)).toEqual([]);
    expect(git(dir, 'remote', 'get-url', 'origin')).toBe(url);
    expect(askpassDirs()).toBe(before);
  });

  it('takes credentials out of a URL that carries them', async () => {
    const withCreds = `http://reader:${password}@${url.slice('http://'.length)}`;
    const revision = await createGitRevisionSource({ mirrorsDir }).resolve(
      'h2',
      { url: withCreds, ...noCreds },
      head,
      'main',
    );
    expect(revision.branch).toBe('main');
    expect(filesContaining(join(mirrorsDir, 'h2.git'), password)).toEqual([]);
  });

  it('fails with a clear message for a wrong or missing password, without the password in it', async () => {
    const before = askpassDirs();
    const wrong = `${password}-wrong`;
    const error = await createGitRevisionSource({ mirrorsDir })
      .resolve('h3', { url, user: 'reader', password: wrong }, head, 'main')
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    expect(error?.message).toMatch(
      /^Authentication to the repository "http:\/\/127\.0\.0\.1:\d+\/repo\.git" failed: check "custom_repo_user" and "custom_repo_pass" \(git: fatal: .+\)\.$/,
    );
    expect(error?.message).not.toContain(password);
    expect(askpassDirs()).toBe(before);
    await expect(
      createGitRevisionSource({ mirrorsDir }).resolve('h3', { url, ...noCreds }, head, 'main'),
    ).rejects.toThrow(/^Authentication to the repository/);
    const inUrl = `http://reader:${wrong}@${url.slice('http://'.length)}`;
    const error2 = await createGitRevisionSource({ mirrorsDir })
      .resolve('h3', { url: inUrl, ...noCreds }, head, 'main')
      .catch((e: Error) => e);
    expect(error2 instanceof Error ? error2.message : 'resolved').not.toContain(wrong);
    expect(existsSync(join(mirrorsDir, 'h3.git'))).toBe(false);
  });
});

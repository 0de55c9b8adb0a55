import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitRevisionSource } from '../../src/git/index.js';
import { runRevisionSourceContract } from '../../src/git/revision-source.contract.js';
import { commit, git, makeOrigin, serveGit } from './git-fixtures.js';

/** The git adapter over real repositories: a bare origin on disk, and a clone of it served over HTTP with Basic auth. */
runRevisionSourceContract('git', async () => {
  const root = mkdtempSync(join(tmpdir(), 'archway-revisions-'));
  const { origin, work } = makeOrigin(root);
  const olderMessage = 'First commit\n\nWith a body.';
  const older = commit(work, 'main', olderMessage, { 'README.md': 'hello\n' });
  const main = commit(work, 'main', 'Second commit', { 'app.txt': 'v1\n' });
  git(work, 'checkout', '-q', '-b', 'dev');
  const dev = commit(work, 'dev', 'Dev work', { 'app.txt': 'dev\n' });
  git(work, 'tag', '-a', 'v1', '-m', 'Release one', older);
  git(work, 'push', '-q', 'origin', 'refs/tags/v1');
  const served = join(root, 'served');
  git(root, 'clone', '-q', '--bare', origin, join(served, 'repo.git'));
  const password = `pw-${Math.random().toString(36).slice(2)}-Zq9`;
  const server = await serveGit(served, 'reader', password);
  return {
    revisions: createGitRevisionSource({ mirrorsDir: join(root, 'mirrors') }),
    source: { url: origin, user: null, password: null },
    tips: { main, dev },
    older: { sha: older, message: olderMessage },
    tags: { v1: older },
    guarded: { url: `${server.base}/repo.git`, user: 'reader', password },
    async close() {
      await server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
});

import { chmod, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { WorkTrees } from '../app/ports/work-trees.js';
import { InternalError } from '../domain/errors.js';
import { splitCredentials, type SafeSource } from './git-credentials.js';
import { GitError, gitOk, runGit } from './git-run.js';
import { createMirrorCache } from './mirror-cache.js';

const SHA_LIKE = /^[0-9a-f]{4,64}$/i;

async function hasCommit(mirror: string, source: SafeSource, sha: string): Promise<boolean> {
  const found = await runGit({ args: ['--git-dir', mirror, 'cat-file', '-e', `${sha}^{commit}`], source });
  return found.code === 0;
}

/** Opens up directories a build made read-only, so that the tree can be removed. */
async function makeRemovable(dir: string): Promise<void> {
  await chmod(dir, 0o700).catch(() => undefined);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) if (entry.isDirectory()) await makeRemovable(join(dir, entry.name));
}

/** Removes a work tree, also one with read-only directories in it. */
export async function removeTree(dir: string): Promise<void> {
  if (resolve(dir) === resolve('/')) throw new InternalError('Refusing to remove "/" as a work tree.');
  try {
    await rm(dir, { recursive: true, force: true });
  } catch {
    await makeRemovable(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A full clone of the mirror (objects hard-linked where the file system allows, copied otherwise), checked out detached
 * at `sha`; its `origin` then names the repository's own URL, without credentials.
 */
async function checkOut(mirror: string, source: SafeSource, sha: string, dir: string): Promise<void> {
  await gitOk({ args: ['clone', '--no-checkout', '--quiet', '--', mirror, dir], source }, 'copy the mirror of');
  await gitOk({ args: ['-C', dir, 'checkout', '--quiet', '--detach', sha, '--'], source }, `check out ${sha} of`);
  await gitOk(
    { args: ['-C', dir, 'remote', 'set-url', 'origin', source.url], source },
    'set the origin of the work tree of',
  );
}

/**
 * WorkTrees over the git mirrors in `mirrorsDir` (the same directory as the RevisionSource's on one machine).
 * `materialize` replaces `dir` with a clean work tree of exactly `sha`, fetching the mirror first only when the commit
 * is not in it yet (an agent on another machine); `discard` removes a work tree; `forget` deletes the project's
 * mirror. Concurrency: operations on one project's mirror are serialised in this process. Failure: GitError
 * sentences without credentials; a half-made work tree is removed.
 */
export function createGitWorkTrees(opts: { mirrorsDir: string; timeoutMs?: number }): WorkTrees {
  const cache = createMirrorCache(opts.mirrorsDir);
  return {
    async materialize(projectKey, repo, sha, dir) {
      const source = splitCredentials(repo);
      if (!SHA_LIKE.test(sha)) throw new GitError(`Revision "${sha}" is not a commit sha.`);
      await cache.locked(projectKey, async (mirror) => {
        if (!(await hasCommit(mirror, source, sha))) await cache.sync(mirror, source, opts.timeoutMs);
        if (!(await hasCommit(mirror, source, sha))) throw new GitError(`Revision "${sha}" is not in the repository.`);
        await removeTree(dir);
        try {
          await checkOut(mirror, source, sha, dir);
        } catch (error) {
          await removeTree(dir).catch(() => undefined);
          throw error;
        }
      });
    },
    discard: removeTree,
    forget: (projectKey) => cache.forget(projectKey),
  };
}

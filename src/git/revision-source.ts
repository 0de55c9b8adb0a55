import type { RevisionSource } from '../app/ports/revision-source.js';
import type { Revision } from '../domain/execution.js';
import { splitCredentials, type SafeSource } from './git-credentials.js';
import { GitError, gitOk, runGit } from './git-run.js';
import { createMirrorCache } from './mirror-cache.js';

const SHA_LIKE = /^[0-9a-f]{4,64}$/i;
const SHOWN_BRANCHES = 20;

async function listBranches(mirror: string, source: SafeSource): Promise<string[]> {
  const out = await gitOk(
    { args: ['--git-dir', mirror, 'for-each-ref', '--format=%(refname)', 'refs/heads/'], source },
    'read the branches of',
  );
  return out
    .split('\n')
    .filter((l) => l.startsWith('refs/heads/'))
    .map((l) => l.slice('refs/heads/'.length));
}

function branchMissing(name: string, branches: string[]): GitError {
  if (branches.length === 0)
    return new GitError(
      `Branch "${name}" does not exist in the repository (it has no branches yet: push a commit first).`,
    );
  const shown = branches.slice(0, SHOWN_BRANCHES).join(', ');
  const more = branches.length > SHOWN_BRANCHES ? ` and ${branches.length - SHOWN_BRANCHES} more` : '';
  return new GitError(`Branch "${name}" does not exist in the repository (it has: ${shown}${more}).`);
}

/** The remote's HEAD branch (asked again each time: a remote may change it), else the mirror's HEAD from its clone. */
async function remoteHead(mirror: string, source: SafeSource, timeoutMs?: number): Promise<string | null> {
  const asked = await runGit({
    args: ['--git-dir', mirror, 'ls-remote', '--symref', 'origin', 'HEAD'],
    source,
    network: true,
    timeoutMs,
  });
  const match = /^ref: refs\/heads\/(\S+)\s+HEAD$/m.exec(asked.stdout);
  if (match?.[1]) return match[1];
  const local = await runGit({ args: ['--git-dir', mirror, 'symbolic-ref', '--quiet', 'HEAD'], source });
  return local.code === 0 && local.stdout.startsWith('refs/heads/')
    ? local.stdout.trim().slice('refs/heads/'.length)
    : null;
}

interface Wanted {
  branch: string | null;
  revision: string | null;
  tag: string | null;
}

/** The branch the run is on: the one asked for, else (for HEAD) the default branch, else the remote's HEAD. */
async function pickBranch(
  mirror: string,
  source: SafeSource,
  wanted: Wanted,
  defaultBranch: string,
  timeoutMs?: number,
): Promise<string | null> {
  if ((wanted.revision !== null || wanted.tag !== null) && wanted.branch === null) return null;
  const branches = await listBranches(mirror, source);
  const name = wanted.branch ?? (defaultBranch.trim() || (await remoteHead(mirror, source, timeoutMs)));
  if (name === null) {
    throw new GitError(
      `The repository has no default branch${branches.length ? `; name one of its branches (${branches.slice(0, SHOWN_BRANCHES).join(', ')})` : ' and no branches yet: push a commit first'}.`,
    );
  }
  if (!branches.includes(name)) throw branchMissing(name, branches);
  return name;
}

async function findCommit(mirror: string, source: SafeSource, revision: string): Promise<string> {
  if (!SHA_LIKE.test(revision))
    throw new GitError(`Revision "${revision}" is not a commit sha: give a full or abbreviated sha, or HEAD.`);
  const found = await runGit({
    args: ['--git-dir', mirror, 'rev-parse', '--verify', '--end-of-options', `${revision}^{commit}`],
    source,
  });
  const sha = found.stdout.trim();
  if (found.code === 0 && sha.startsWith(revision.toLowerCase())) return sha;
  if (/ambiguous/i.test(found.stderr) || found.code === 0) {
    throw new GitError(`Revision "${revision}" is ambiguous in the repository: give more characters of the sha.`);
  }
  throw new GitError(`Revision "${revision}" is not in the repository.`);
}

async function branchTip(mirror: string, source: SafeSource, branch: string): Promise<string> {
  const out = await gitOk(
    {
      args: ['--git-dir', mirror, 'rev-parse', '--verify', '--end-of-options', `refs/heads/${branch}^{commit}`],
      source,
    },
    'read the branch tip of',
  );
  return out.trim();
}

const LOG_FORMAT = ['%H', '%an', '%ae', '%aI', '%cn', '%ce', '%cI', '%B'].join('%x00');

/** The commit's metadata from one `git log -1` with NUL-separated fields. */
export async function readRevision(
  mirror: string,
  source: SafeSource,
  sha: string,
  branch: string | null,
): Promise<Revision> {
  const out = await gitOk(
    { args: ['--git-dir', mirror, 'log', '-1', `--format=${LOG_FORMAT}`, sha, '--'], source },
    'read the commit from',
  );
  const [
    full = sha,
    authorName = '',
    authorEmail = '',
    authorDate = '',
    committerName = '',
    committerEmail = '',
    commitDate = '',
    ...rest
  ] = out.split('\0');
  return {
    sha: full,
    branch,
    message: rest.join('\0').trimEnd(),
    authorName,
    authorEmail,
    authorDate,
    committerName,
    committerEmail,
    commitDate,
  };
}

function normalise(request: { branch: string | null; revision: string | null; tag?: string | null }): Wanted {
  const branch = request.branch?.trim() || null;
  const revision = request.revision?.trim() || null;
  const tag = request.tag?.trim() || null;
  return { branch, revision: revision === null || revision.toUpperCase() === 'HEAD' ? null : revision, tag };
}

async function tagCommit(mirror: string, source: SafeSource, tag: string): Promise<string> {
  const found = await runGit({
    args: ['--git-dir', mirror, 'rev-parse', '--verify', '--quiet', '--end-of-options', `refs/tags/${tag}^{commit}`],
    source,
  });
  if (found.code !== 0) throw new GitError(`Tag "${tag}" does not exist in the repository.`);
  return found.stdout.trim();
}

/** `git ls-remote` output: every ref (peeled tags as their commit) → sha; symbolic HEAD left out. */
export function parseLsRemote(out: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (!sha || !ref || !/^[0-9a-f]{40,64}$/.test(sha) || !ref.startsWith('refs/')) continue;
    if (ref.endsWith('^{}')) refs.set(ref.slice(0, -3), sha);
    else if (!refs.has(ref)) refs.set(ref, sha);
  }
  return refs;
}

/**
 * RevisionSource over git mirrors in `mirrorsDir`. Each `resolve` fetches the project's mirror (cloning it on first
 * use), then resolves a sha (full or abbreviated) or HEAD (tip of the branch asked for, else of `defaultBranch`, else of
 * the remote's HEAD). Concurrency: resolves of one project are serialised in this process. Failure: rejects with a
 * GitError sentence (unknown branch listing the existing ones, revision not there, repository unreachable, bad
 * credentials) that never contains the password.
 */
export function createGitRevisionSource(opts: { mirrorsDir: string; timeoutMs?: number }): RevisionSource {
  const cache = createMirrorCache(opts.mirrorsDir);
  return {
    async resolve(projectKey, repo, request, defaultBranch) {
      const source = splitCredentials(repo);
      const wanted = normalise(request);
      return cache.locked(projectKey, async (mirror) => {
        await cache.sync(mirror, source, opts.timeoutMs);
        const branch = await pickBranch(mirror, source, wanted, defaultBranch, opts.timeoutMs);
        const sha =
          wanted.revision !== null
            ? await findCommit(mirror, source, wanted.revision)
            : wanted.tag !== null
              ? await tagCommit(mirror, source, wanted.tag)
              : await branchTip(mirror, source, branch!);
        return readRevision(mirror, source, sha, branch);
      });
    },
    async listRefs(repo) {
      const source = splitCredentials(repo);
      const out = await gitOk(
        {
          args: ['ls-remote', '--heads', '--tags', '--', source.url],
          source,
          network: true,
          timeoutMs: opts.timeoutMs ?? 60_000,
        },
        'list the refs of',
      );
      return parseLsRemote(out);
    },
    async changedFiles(projectKey, repo, from, to) {
      const source = splitCredentials(repo);
      return cache.locked(projectKey, async (mirror) => {
        const out = await runGit({
          args: ['--git-dir', mirror, 'diff', '--name-only', '-z', '--no-renames', `${from}...${to}`, '--'],
          source,
        });
        return out.code === 0 ? out.stdout.split('\0').filter(Boolean) : null;
      });
    },
  };
}

import { posix } from 'node:path';
import { ValidationError } from './errors.js';

const SCHEMES = ['http:', 'https:', 'ssh:', 'git:', 'file:'];
const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/;

/**
 * A git repository location: an http(s)/ssh/git/file URL, scp-like `user@host:path`, or an absolute local path.
 * Refuses what git would read as an option (leading "-") or as a command (`ext::` and other transports).
 */
export function checkRepoUrl(value: string): string {
  const url = value.trim();
  const bad = (why: string) => new ValidationError(`"custom_repo_url" ${why} (got "${value}").`);
  if (url === '' || /\s/.test(url)) throw bad('must be a git URL or an absolute path without spaces');
  if (url.startsWith('-')) throw bad('must not start with "-"');
  if (url.startsWith('/')) return url;
  if (SCP_LIKE.test(url) && !url.includes('://')) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('must be an http(s)://, ssh://, git:// or file:// URL, user@host:path, or an absolute path');
  }
  if (!SCHEMES.includes(parsed.protocol))
    throw bad(`uses an unsupported scheme; allowed: ${SCHEMES.map((s) => s.slice(0, -1)).join(', ')}`);
  if (parsed.password) {
    // Never echo the password back: the error message reaches logs and screens.
    throw new ValidationError(
      `"custom_repo_url" must not carry a password; use "custom_repo_user" and "custom_repo_pass" (got "${parsed.protocol}//${parsed.username}:***@${parsed.host}${parsed.pathname}").`,
    );
  }
  return url;
}

/**
 * Which local repositories (an absolute path or a file:// URL) a project may name: only those under one of the
 * operator's `roots` (ARCHWAY_LOCAL_REPO_ROOTS; none by default), and never inside a `forbidden` directory (the
 * data dir, which holds every workspace's git mirrors and the secret key). `realpath` follows symbolic links
 * where the path exists, so a link inside a root cannot point elsewhere.
 */
export interface LocalRepoRule {
  roots: readonly string[];
  forbidden: readonly string[];
  realpath?: (path: string) => string;
}

/** The local path a repository URL names, normalised; null for a remote one. */
export function localRepoPath(url: string): string | null {
  if (url.startsWith('/')) return posix.resolve(url);
  if (url.startsWith('file:')) {
    try {
      return posix.resolve(decodeURIComponent(new URL(url).pathname));
    } catch {
      return null;
    }
  }
  return null;
}

const within = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** Refuses a local repository outside the allowed roots (ValidationError); remote URLs pass. */
export function checkLocalRepo(url: string, rule: LocalRepoRule): void {
  const local = localRepoPath(url);
  if (local === null) return;
  const paths = [local, rule.realpath?.(local) ?? local];
  const refuse = (why: string) => new ValidationError(`"custom_repo_url" ${why} (got "${url}").`);
  if (rule.roots.length === 0)
    throw refuse(
      'may not name a path on the server: this server allows no local repositories (ARCHWAY_LOCAL_REPO_ROOTS)',
    );
  if (paths.some((p) => rule.forbidden.some((f) => within(p, f))))
    throw refuse("may not name a path inside the server's data directory");
  if (!paths.every((p) => rule.roots.some((r) => within(p, r))))
    throw refuse(`names a local path outside the allowed roots (${rule.roots.join(', ')})`);
}

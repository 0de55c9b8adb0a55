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
  if (parsed.password) throw bad('must not carry a password; use "custom_repo_user" and "custom_repo_pass"');
  return url;
}

/**
 * Buddy's ref patterns for pipelines and events: a full ref (`refs/heads/main`, `refs/tags/v1.2`) or a bare branch
 * name (`main`, meaning `refs/heads/main`), with `*` matching any characters (`/` included: `refs/heads/*` is every
 * branch, `refs/tags/v*` every tag starting with v). An event with no refs of its own takes the pipeline's; none at
 * all means every branch.
 */
export function refMatches(pattern: string, ref: string): boolean {
  const full = pattern.startsWith('refs/') ? pattern : `refs/heads/${pattern}`;
  const regex = new RegExp(`^${full.split('*').map(escapeRegex).join('.*')}$`);
  return regex.test(ref);
}

export function refsMatch(patterns: readonly string[], ref: string): boolean {
  if (patterns.length === 0) return ref.startsWith('refs/heads/');
  return patterns.some((p) => refMatches(p, ref));
}

const escapeRegex = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** The branch a full ref names (`refs/heads/x` → `x`), or null for a tag or anything else. */
export function branchOf(ref: string): string | null {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
}

/** The tag a full ref names (`refs/tags/v1` → `v1`), or null. */
export function tagOf(ref: string): string | null {
  return ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : null;
}

/** Buddy's commit commands that keep a push from starting anything. */
const SKIP_COMMANDS = ['[skip ci]', '[ci skip]', '[skip buddy]', '[buddy skip]'];

export function skipsCi(commitMessage: string): boolean {
  const message = commitMessage.toLowerCase();
  return SKIP_COMMANDS.some((c) => message.includes(c));
}

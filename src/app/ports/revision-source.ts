import type { Revision } from '../../domain/execution.js';

/**
 * Resolves what to build: a branch tip or a commit, with its metadata (implemented by `git/revision-source.ts`).
 * Lifecycle: one per server, keeping a mirror per project key on disk. Concurrency: resolves of one project are
 * serialised in the process. Failure: rejects with a sentence a person can act on (bad URL, unknown branch,
 * unreachable remote) and never with a credential in it.
 */
export interface RevisionSource {
  resolve(
    projectKey: string,
    source: { url: string; user: string | null; password: string | null },
    request: { branch: string | null; revision: string | null; tag?: string | null },
    defaultBranch: string,
  ): Promise<Revision>;
  /** Every branch and tag of the remote (`git ls-remote`), tags as the commit they point to. */
  listRefs(source: { url: string; user: string | null; password: string | null }): Promise<Map<string, string>>;
  /**
   * The files that differ between two commits of the project's mirror (resolved before), or null when one of
   * them is not there (a force-push removed it).
   */
  changedFiles(
    projectKey: string,
    source: { url: string; user: string | null; password: string | null },
    from: string,
    to: string,
  ): Promise<string[] | null>;
}

import type { JobSpec } from '../../domain/job-spec.js';

/**
 * What the agent needs of the git checkout (implemented by `git/work-trees.ts`): a detached work tree of one
 * commit. Lifecycle: one per agent, keeping a mirror per project key. Concurrency: operations on one project are
 * serialised in the process. Failure: rejects with a sentence naming the revision or the remote, never a credential.
 */
export interface WorkTrees {
  materialize(projectKey: string, source: JobSpec['repository'], sha: string, dir: string): Promise<void>;
  discard(dir: string): Promise<void>;
  forget(projectKey: string): Promise<void>;
}

/**
 * The key a git event's run carries: one move of one ref (its `move`-th, counted per ref in `git_refs`), and where
 * it went. Unique per pipeline in the database, so the observers of one move (two replicas, a poll and a webhook, a
 * replayed webhook, a poll retried after a crash) start its run once, while a later move of the ref, even back to a
 * sha it had, is a new event. Git refs have no spaces, so the parts cannot run into each other.
 */
export function gitEventKey(ref: string, move: number, after: string | null): string {
  return `${ref} #${move} ${after ?? DELETED}`;
}

/** Whether the key is of a ref's deletion (whose run builds the default branch, not the ref). */
export function isRefDeletionKey(key: string | null): boolean {
  return key !== null && key.endsWith(` ${DELETED}`);
}

const DELETED = 'deleted';

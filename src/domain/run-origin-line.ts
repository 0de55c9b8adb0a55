import type { Execution } from './execution.js';

/**
 * The first lines of a run's log: what started it and what it builds, so a log read on its own says why it exists.
 * `asker` is the name of the person who asked for a manual run.
 */
export function runOriginLines(execution: Pick<Execution, 'id' | 'trigger' | 'revision'>, asker: string): string[] {
  const { trigger, revision } = execution;
  const sha = revision ? ` (${revision.sha.slice(0, 7)})` : '';
  const by = trigger.by ? ` by ${trigger.by}` : '';
  const why =
    trigger.type === 'PUSH'
      ? `a push to ${trigger.ref ?? 'the repository'}${sha}${by}`
      : trigger.type === 'SCHEDULE'
        ? 'its schedule'
        : trigger.type === 'WEBHOOK'
          ? 'a call of its webhook trigger URL'
          : asker;
  const lines = [`Run #${execution.id} started by ${why}.`];
  if (revision) {
    const subject = revision.message.split('\n')[0]!.slice(0, 200);
    lines.push(`Building ${revision.sha}${revision.branch ? ` on ${revision.branch}` : ''}: ${subject}`);
  }
  return lines;
}

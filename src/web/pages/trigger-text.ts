import type { Execution } from '../../domain/execution.js';

/** What started a run, in words: "push by alice", "schedule", "webhook", "manual, by bob". */
export function triggerText(e: Execution, creatorName: string): string {
  const t = e.trigger;
  switch (t.type) {
    case 'PUSH':
      return t.by ? `push by ${t.by}` : 'push';
    case 'SCHEDULE':
      return 'schedule';
    case 'WEBHOOK':
      return 'webhook';
    default:
      return `manual, by ${creatorName}`;
  }
}

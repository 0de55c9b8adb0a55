import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../domain/job-spec.js';
import { createAgentJobs } from './agent-jobs.js';
import { sealJobSpec } from './sealed-job-spec.js';
import type { JobOutcome, Orchestrator } from './orchestrator.js';
import type { Agent } from './ports/agent-repo.js';
import type { Job } from './ports/job-queue.js';
import type { Notifier } from './ports/notifier.js';
import type { Secrets } from './ports/secrets.js';
import type { Store } from './ports/store.js';

/** Stands in for the AES-GCM box: what matters here is that the spec is opened, not how. */
const secrets = {
  seal: (plain: string) => `sealed:${Buffer.from(plain).toString('base64')}`,
  open: (sealed: string) => Buffer.from(sealed.slice('sealed:'.length), 'base64').toString(),
} as unknown as Secrets;

describe('agent jobs (server side)', () => {
  it('masks the lines and the error an agent sends, also a URL-encoded password', async () => {
    const password = 'p@ss/w:rd';
    const agent: Agent = {
      id: 'a1',
      name: 'agent',
      labels: [],
      workspaceIds: null,
      createdAt: new Date(0),
      lastSeenAt: null,
      platforms: null,
    };
    const job = {
      id: 7,
      actionExecutionId: 70,
      attempt: 1,
      agentId: agent.id,
      state: 'RUNNING',
      startedAt: new Date(0),
      logBase: 0,
      logReceived: 0,
      kind: 'BUILD',
      spec: sealJobSpec(secrets, { mask: [password] } as JobSpec),
    } as unknown as Job;
    const appended: string[] = [];
    const finished: JobOutcome[] = [];
    const store = {
      jobs: {
        byId: async () => job,
        lockRunning: async () => job,
        markStarted: async () => {},
        addReceived: async () => {},
        finish: async () => true,
      },
      logs: {
        appendAtEnd: async (_id: number, lines: string[]) => {
          appended.push(...lines);
          return appended.length;
        },
      },
      transaction: <T>(fn: (tx: Store) => Promise<T>) => fn(store),
    } as unknown as Store;
    const jobs = createAgentJobs({
      store,
      secrets,
      clock: { now: () => new Date(0) },
      notifier: { publish: () => {} } as unknown as Notifier,
      orchestrator: {
        jobFinished: async (_job: Job, o: JobOutcome) => finished.push(o) > 0,
      } as unknown as Orchestrator,
    });
    const encoded = encodeURIComponent(password);
    await jobs.appendLogs(agent, 7, 1, 0, [`curl -u bot:${encoded} https://x`, `plain ${password}`, 'clean']);
    expect(appended).toEqual(['curl -u bot:*** https://x', 'plain ***', 'clean']);
    await jobs.finish(agent, 7, 1, { status: 'FAILED', error: `push to https://r.io?p=${encoded} failed` });
    expect(finished).toEqual([{ status: 'FAILED', error: 'push to https://r.io?p=*** failed', result: null }]);
  });
});

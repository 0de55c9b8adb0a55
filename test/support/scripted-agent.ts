import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Platform } from '../../src/domain/platform.js';
import { AgentProtocolError, createAgentClient, type AgentClient } from '../../src/agent/http-client.js';

export interface ScriptedJob {
  jobId: number;
  attempt: number;
  executionId: number;
  actionExecutionId: number;
  actionName: string;
  /** The part of a fanned-out build: `PLATFORM linux/arm64`, `INDEX`; `BUILD` for a whole build. */
  part: string;
  /** The platform of a PLATFORM part (it finishes with a made-up image of it). */
  platform: Platform | null;
}

/**
 * The agent protocol spoken over real HTTP with no build behind it: for tests of the server's state machine, where
 * what is under test is the server (its crashes, its replicas), not the engine. It claims a job, logs a line,
 * heartbeats and finishes SUCCESSFUL; an action named `hold*` heartbeats until it is cancelled and finishes
 * TERMINATED; a platform part of a fanned-out build finishes with a made-up image of its platform. When a server does not answer it moves to the next one in `servers()`, as behind a load balancer.
 */
export function startScriptedAgent(opts: {
  servers: () => string[];
  token: string;
  /** How long a job "runs" before it finishes (ms). */
  workMs?: number;
  heartbeatMs?: number;
}) {
  const stopped = new AbortController();
  /** Every claim the agent received, in order. */
  const claims: ScriptedJob[] = [];
  let turn = 0;
  const server = () => {
    const list = opts.servers();
    return list[turn % list.length]!;
  };
  const client = () => createAgentClient({ server: server(), token: opts.token, claimTimeoutMs: 5_000 });
  const unreachable = (error: unknown) => !(error instanceof AgentProtocolError);

  /** One protocol call, tried on the next server while none answers (for up to 60 s, then it gives up). */
  async function call<T>(fn: (c: AgentClient) => Promise<T>): Promise<T> {
    for (const end = Date.now() + 60_000; ;) {
      try {
        return await fn(client());
      } catch (error) {
        if (!unreachable(error) || stopped.signal.aborted || Date.now() > end) throw error;
        turn++;
        await sleep(100);
      }
    }
  }

  async function work(job: ScriptedJob): Promise<void> {
    const holding = job.actionName.startsWith('hold');
    await call((c) => c.logs(job.jobId, job.attempt, 0, [`working on ${job.actionName}`]));
    let status: 'SUCCESSFUL' | 'TERMINATED' = 'SUCCESSFUL';
    for (const end = Date.now() + (opts.workMs ?? 200); holding || Date.now() < end;) {
      if (stopped.signal.aborted) return;
      await sleep(Math.min(opts.heartbeatMs ?? 500, holding ? Infinity : Math.max(1, end - Date.now())));
      if ((await call((c) => c.heartbeat(job.jobId, job.attempt))).cancel) {
        status = 'TERMINATED';
        break;
      }
    }
    const image =
      status === 'SUCCESSFUL' && job.platform
        ? {
            platform: job.platform,
            digest: `sha256:${createHash('sha256').update(`${job.actionExecutionId} ${job.platform}`).digest('hex')}`,
            emulated: false,
            durationMs: opts.workMs ?? 200,
            cachedSteps: 0,
            totalSteps: 1,
            sizeBytes: 1024,
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            manifestSize: 500,
          }
        : null;
    await call((c) => c.finish(job.jobId, job.attempt, status, status === 'TERMINATED' ? 'Cancelled.' : null, image));
  }

  const loop = (async () => {
    while (!stopped.signal.aborted) {
      try {
        const claimed = await client().claim(stopped.signal);
        if (!claimed) continue;
        const job = {
          jobId: claimed.jobId,
          attempt: claimed.attempt,
          executionId: claimed.spec.executionId,
          actionExecutionId: claimed.spec.actionExecutionId,
          actionName: claimed.spec.actionName,
          part: claimed.spec.part
            ? `${claimed.spec.part.kind}${claimed.spec.part.kind === 'PLATFORM' ? ` ${claimed.spec.part.platform}` : ''}`
            : 'BUILD',
          platform: claimed.spec.part?.kind === 'PLATFORM' ? claimed.spec.part.platform : null,
        };
        claims.push(job);
        await work(job);
      } catch (error) {
        if (stopped.signal.aborted) break;
        // A stale attempt (409) is the server saying "not yours any more": drop the job, as the real agent does.
        if (unreachable(error)) turn++;
        await sleep(100);
      }
    }
  })();

  return {
    claims,
    async stop() {
      stopped.abort();
      await loop;
    },
  };
}

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobWork } from '../app/ports/job-work.js';
import { BuildError } from '../domain/errors.js';
import { AgentProtocolError, type AgentClient, type ClaimedJob } from './http-client.js';
import { createLogShipper } from './log-shipper.js';

export interface RunnerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const HEARTBEAT_MS = 10_000;

/**
 * The agent loop: claim -> work -> finish, one job at a time, heartbeats every 10 s (a `cancel` answer aborts
 * the work). Lifecycle: `start()` once, `stop()` aborts the current job and waits for the loop to end.
 */
export function createAgentRunner(opts: {
  client: AgentClient;
  work: JobWork;
  workDir: string;
  log: RunnerLog;
  heartbeatMs?: number;
}) {
  const stopping = new AbortController();
  let loop: Promise<void> | undefined;

  async function runJob({ jobId, attempt, spec }: ClaimedJob): Promise<void> {
    const dir = join(opts.workDir, `job-${jobId}-${attempt}`);
    const shipper = createLogShipper(opts.client, jobId, attempt, spec.mask);
    const cancel = new AbortController();
    const onStop = () => cancel.abort(new BuildError('CANCELLED', 'The agent is shutting down.'));
    stopping.signal.addEventListener('abort', onStop);
    let progress: number | undefined;
    const heartbeat = () =>
      opts.client.heartbeat(jobId, attempt, progress).then(
        (r) => r.cancel && cancel.abort(new BuildError('CANCELLED', 'Cancelled.')),
        (error: unknown) => {
          // 409: the server gave the job up (stale attempt); stop working on it.
          if (error instanceof AgentProtocolError && error.serverStatus === 409)
            cancel.abort(new BuildError('CANCELLED', 'The server took the job back.'));
        },
      );
    // The first one at once: it tells the server the job has started (a job whose lease ends unstarted is re-queued).
    void heartbeat();
    const beat = setInterval(() => void heartbeat(), opts.heartbeatMs ?? HEARTBEAT_MS);
    let status: 'SUCCESSFUL' | 'FAILED' | 'TERMINATED' = 'SUCCESSFUL';
    let error: string | null = null;
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await opts.work(spec, {
        dir,
        log: (l) => shipper.line(l),
        signal: cancel.signal,
        progress: (p) => (progress = p),
      });
    } catch (e) {
      status = cancel.signal.aborted ? 'TERMINATED' : 'FAILED';
      error = e instanceof Error ? e.message : String(e);
      shipper.line(status === 'TERMINATED' ? `Terminated: ${error}` : `Failed: ${error}`);
    } finally {
      clearInterval(beat);
      stopping.signal.removeEventListener('abort', onStop);
      await shipper.close();
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
    await opts.client
      .finish(jobId, attempt, status, error)
      .catch((e: unknown) => opts.log.warn({ err: e, jobId }, 'could not report the end of a job'));
    opts.log.info({ jobId, attempt, status }, 'job finished');
  }

  async function run(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        const job = await opts.client.claim(stopping.signal);
        if (job) await runJob(job);
      } catch (error) {
        if (stopping.signal.aborted) return;
        opts.log.warn({ err: error }, 'claim failed; retrying in 2 s');
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  return {
    start() {
      loop ??= run();
    },
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}

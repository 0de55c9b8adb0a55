import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobWork } from '../app/ports/job-work.js';
import type { PlatformReport } from '../domain/agent-platforms.js';
import { BuildError } from '../domain/errors.js';
import type { PlatformImage } from '../domain/platform-image.js';
import { AgentProtocolError, type AgentClient, type ClaimedJob } from './http-client.js';
import { createLogShipper } from './log-shipper.js';

export interface RunnerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const HEARTBEAT_MS = 10_000;
/** Hello retries: 1 s, 2 s, 4 s … at most 30 s apart, for as long as the agent runs. */
const HELLO_RETRY = { firstMs: 1_000, maxMs: 30_000 };
/** How long the first claim waits for the hello (so routing knows the agent), at most. */
const HELLO_WAIT_MS = 10_000;

/**
 * The agent loop: hello (what it runs), then claim -> work -> finish, one job at a time, heartbeats every 10 s (a
 * `cancel` answer aborts the work). The hello is retried with backoff while the server cannot be reached or
 * answers 429/5xx; the first claim waits for it at most `helloWaitMs`, and a hello that never succeeds only costs
 * a warning in the log: builds go on. Lifecycle: `start()` once, `stop()` aborts the current job and waits for
 * the loop (and the hello's retries) to end.
 */
export function createAgentRunner(opts: {
  client: AgentClient;
  work: JobWork;
  workDir: string;
  log: RunnerLog;
  heartbeatMs?: number;
  /** What this agent runs (its host checks); absent: no hello is sent. */
  platforms?: () => Promise<PlatformReport>;
  helloWaitMs?: number;
  helloRetry?: { firstMs: number; maxMs: number };
}) {
  const stopping = new AbortController();
  let loop: Promise<void> | undefined;
  const pause = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);

  /** True when the server recorded the hello; false when it refused it or the agent stopped. Never throws. */
  async function hello(platforms: () => Promise<PlatformReport>): Promise<boolean> {
    let report: PlatformReport;
    try {
      report = await platforms();
    } catch (error) {
      opts.log.warn({ err: error }, 'could not tell what this agent runs; no hello sent');
      return false;
    }
    const retry = opts.helloRetry ?? HELLO_RETRY;
    for (let wait = retry.firstMs; !stopping.signal.aborted; wait = Math.min(retry.maxMs, wait * 2)) {
      try {
        const answer = await opts.client.hello(report, stopping.signal);
        opts.log.info(
          {
            hostPlatform: report.hostPlatform,
            reportedNative: report.native,
            emulated: answer.emulated_platforms,
            routedAsNative: answer.native_platforms,
          },
          'told the server what this agent runs',
        );
        return true;
      } catch (error) {
        if (stopping.signal.aborted) return false;
        const status = error instanceof AgentProtocolError ? error.serverStatus : undefined;
        if (status !== undefined && status !== 429 && status < 500) {
          opts.log.warn({ err: error }, 'the server refused the hello; building without it');
          return false;
        }
        opts.log.warn({ err: error, retryInMs: wait }, 'hello failed; retrying');
        await pause(wait);
      }
    }
    return false;
  }

  async function runJob({ jobId, attempt, spec, agentName }: ClaimedJob): Promise<void> {
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
    let result: PlatformImage | null = null;
    // A platform part's own lines go in its lane of the one log its siblings share.
    const lane = spec.part?.kind === 'PLATFORM' ? `[${spec.part.platform}] ` : '';
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      result = await opts.work(spec, {
        dir,
        log: (l) => shipper.line(l),
        signal: cancel.signal,
        progress: (p) => (progress = p),
        agentName,
      });
    } catch (e) {
      status = cancel.signal.aborted ? 'TERMINATED' : 'FAILED';
      error = e instanceof Error ? e.message : String(e);
      shipper.line(`${lane}${status === 'TERMINATED' ? 'Terminated' : 'Failed'}: ${error}`);
    } finally {
      clearInterval(beat);
      stopping.signal.removeEventListener('abort', onStop);
      await shipper.close();
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
    await opts.client
      .finish(jobId, attempt, status, error, result)
      .catch((e: unknown) => opts.log.warn({ err: e, jobId }, 'could not report the end of a job'));
    opts.log.info({ jobId, attempt, status }, 'job finished');
  }

  async function run(): Promise<void> {
    const greeting = opts.platforms ? hello(opts.platforms) : Promise.resolve(true);
    await Promise.race([greeting, pause(opts.helloWaitMs ?? HELLO_WAIT_MS)]);
    await Promise.all([greeting, claimLoop()]);
  }

  async function claimLoop(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        const job = await opts.client.claim(stopping.signal);
        if (job) await runJob(job);
      } catch (error) {
        if (stopping.signal.aborted) return;
        opts.log.warn({ err: error }, 'claim failed; retrying in 2 s');
        await pause(2000);
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

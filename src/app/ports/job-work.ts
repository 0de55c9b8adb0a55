import type { JobSpec } from '../../domain/job-spec.js';
import type { Secret } from '../../domain/secret-masking.js';

/**
 * What running one job takes, given its work dir, a log sink and a cancel signal (the agent's side of a job).
 * Lifecycle: one call per claimed job; the runner deletes `dir` afterwards. Concurrency: one call at a time per
 * runner. Failure: throws to fail the job (its message is the action's error); an aborted `signal` must end it soon.
 */
export type JobWork = (
  spec: JobSpec,
  ctx: { dir: string; log: (line: string) => void; signal: AbortSignal; progress: (p: number) => void },
) => Promise<void>;

/** The build an agent runs for a job, with every path already inside the checked-out work tree. */
export interface BuildRequest {
  spec: JobSpec['build'];
  repoRoot: string;
  contextDir: string;
  dockerfile: string;
  secretFile: string | null;
  workDir: string;
  cacheKey: string | null;
  clearCache: boolean;
  timeoutMs: number | null;
  signal: AbortSignal;
  mask: Secret[];
  log: (line: string) => void;
  progress: (percent: number) => void;
}

/**
 * Runs one build for the agent (resolves the registry target, drives the Engine, turns its events into log lines).
 * Lifecycle and concurrency: one call per job, as JobWork. Failure: rejects with the build's error.
 */
export type BuildRunner = (request: BuildRequest) => Promise<void>;

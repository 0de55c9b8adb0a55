import type { BuildPart, JobSpec } from '../../domain/job-spec.js';
import type { PlatformImage } from '../../domain/platform-image.js';
import type { Secret } from '../../domain/secret-masking.js';

/**
 * What running one job takes, given its work dir, a log sink and a cancel signal (the agent's side of a job).
 * Lifecycle: one call per claimed job; the runner deletes `dir` afterwards. Concurrency: one call at a time per
 * runner. Failure: throws to fail the job (its message is the action's error); an aborted `signal` must end it soon.
 */
export type JobWork = (
  spec: JobSpec,
  ctx: {
    dir: string;
    log: (line: string) => void;
    signal: AbortSignal;
    progress: (p: number) => void;
    /** The agent's name as the server knows it, for the log ("build started on <name>"). */
    agentName?: string;
  },
) => Promise<PlatformImage | null>;

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
  /** The part of a fanned-out build this job is; absent: the whole build. */
  part?: BuildPart;
  agentName?: string;
}

/**
 * Runs one build for the agent (resolves the registry target, drives the Engine, turns its events into log lines).
 * Lifecycle and concurrency: one call per job, as JobWork. Resolves with the image a platform part pushed (null for
 * a whole build or an index). Failure: rejects with the build's error.
 */
export type BuildRunner = (request: BuildRequest) => Promise<PlatformImage | null>;

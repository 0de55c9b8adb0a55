import type { JobSpec } from '../domain/job-spec.js';
import type { Platform } from '../domain/platform.js';
import type { PlatformImage } from '../domain/platform-image.js';
import type { FanOutMode } from '../domain/platform-routing.js';
import type { Job } from './ports/job-queue.js';

/**
 * A build fanned out over agents: one PLATFORM job per target platform, then one INDEX job once they all
 * succeeded. This module holds the decisions; the orchestrator applies them in its transactions.
 */
export function fansOut(spec: JobSpec, mode: FanOutMode, knownAgents: number): boolean {
  if (spec.part || spec.build.platforms.length < 2) return false;
  return mode === 'on' || (mode === 'auto' && knownAgents > 1);
}

/**
 * A digest of everything a platform's image is built from — the revision, the build settings, the FILE variables
 * and the platform — but not the registry credentials: a retry reuses an image only while this is unchanged.
 * Build args and FILE variables may hold secrets, so the digest is keyed (`Secrets.keyedDigest`).
 */
export function partInputs(spec: JobSpec, platform: Platform, digest: (text: string) => string): string {
  const { target, ...build } = spec.build;
  const where = { registry: target.registry, repository: target.repository, dockerRegistry: target.dockerRegistry };
  return digest(JSON.stringify({ sha: spec.sha, build, where, files: spec.files, platform }));
}

/** The newest PLATFORM job of each platform: the current try's part, or the reused one of an earlier try. */
export function latestParts(jobs: readonly Job[]): Map<Platform, Job> {
  const latest = new Map<Platform, Job>();
  for (const job of jobs) if (job.kind === 'PLATFORM' && job.platform) latest.set(job.platform, job);
  return latest;
}

/** A platform image an earlier part pushed that this try may reuse: it succeeded from the very same inputs. */
export function reusable(job: Job | undefined, inputs: string): PlatformImage | null {
  return job?.state === 'DONE' && job.outcome === 'SUCCESSFUL' && job.inputs === inputs ? job.result : null;
}

/**
 * An action's progress from one part's heartbeat: the parts done count 100 each, the part heard from its own
 * `progress`, the others 0; so the figure never overstates the parts' mean, and the caller keeps the larger of it
 * and what the action shows (heartbeats of parts running side by side each see only themselves).
 */
export function partsProgress(jobs: readonly Job[], jobId: number, progress: number): number {
  const parts = [...latestParts(jobs).values()];
  if (parts.length === 0) return progress;
  const sum = parts.reduce((n, j) => n + (j.id === jobId ? progress : j.state === 'DONE' ? 100 : 0), 0);
  return sum / parts.length;
}

export type PartsState =
  | { kind: 'running' }
  | { kind: 'succeeded'; images: PlatformImage[] }
  | { kind: 'failed'; error: string; cancelled: boolean };

/**
 * Where the parts of `platforms` stand: still running while any is not DONE; succeeded when every one did (the
 * images in the order of `platforms`); else failed, with the first failure's words (a part cancelled because a
 * sibling failed says less than the failure itself).
 */
export function partsState(platforms: readonly Platform[], jobs: readonly Job[]): PartsState {
  const latest = latestParts(jobs);
  const parts = platforms.map((p) => latest.get(p));
  if (parts.some((j) => !j || j.state !== 'DONE')) return { kind: 'running' };
  const done = parts as Job[];
  if (done.every((j) => j.outcome === 'SUCCESSFUL' && j.result))
    return { kind: 'succeeded', images: done.map((j) => j.result as PlatformImage) };
  const failed = done.find((j) => j.outcome === 'FAILED') ?? done.find((j) => j.outcome !== 'SUCCESSFUL');
  const error = `[${failed?.platform}] ${failed?.error ?? 'The platform failed.'}`;
  return { kind: 'failed', error, cancelled: !done.some((j) => j.outcome === 'FAILED') };
}

/**
 * Whether an INDEX job is queued or running. Two parts ending at once may both see every part done; the one-live-
 * INDEX index makes the second enqueue a conflict, and an enqueue after the first INDEX already ended is refused
 * by the action's compare-and-set (it is no longer INPROGRESS).
 */
export function indexLive(jobs: readonly Job[]): boolean {
  return jobs.some((j) => j.kind === 'INDEX' && j.state !== 'DONE');
}

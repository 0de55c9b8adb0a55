import { createHash } from 'node:crypto';
import type { ClaimedJob } from '../../src/agent/http-client.js';
import type { PlatformImage } from '../../src/domain/platform-image.js';

/** What a job is, in a word: `linux/arm64` for a platform part, `INDEX`, or `BUILD` for a whole build. */
export function partOf(job: ClaimedJob): string {
  const part = job.spec.part;
  return part?.kind === 'PLATFORM' ? part.platform : (part?.kind ?? 'BUILD');
}

/** A made-up image for a platform part that "succeeded" (no build behind it: the server is under test). */
export function madeUpImage(job: ClaimedJob): PlatformImage | null {
  const part = job.spec.part;
  if (part?.kind !== 'PLATFORM') return null;
  return {
    platform: part.platform,
    digest: `sha256:${createHash('sha256').update(`${job.jobId} ${job.attempt}`).digest('hex')}`,
    emulated: true,
    durationMs: 10,
    cachedSteps: 0,
    totalSteps: 1,
    sizeBytes: 1,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    manifestSize: 500,
  };
}

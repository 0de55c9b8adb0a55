import { BuildError } from '../../domain/errors.js';
import type { Platform } from '../../domain/platform.js';
import { runChild } from '../../process/child.js';
import { copyIndexArgv, type TlsChoice } from './argv.js';
import { registryCommandFailure } from './failure.js';
import type { RememberedBuild } from './build-memo.js';
import type { BuildEvent, BuildResult, BuildSpec } from '../../app/ports/engine.js';
import type { PushedPlatform } from './index-push.js';
import { ImageNotFound, readTagDigest } from './registry-reader.js';

export interface ReuseIo {
  authFile: string | null;
  tls: TlsChoice;
  signal: AbortSignal;
  onEvent: (e: BuildEvent) => void;
  /** Reads the index back and checks its platforms (the engine's own verification); digests per platform. */
  verify: (digest: string) => Promise<Map<Platform, PushedPlatform>>;
  started: number;
}

/**
 * Finishes a build whose fingerprint matches one already pushed to this repository: the index is read back and
 * verified as after a push, and every requested tag that does not point at it yet gets it by a registry-side
 * copy (`skopeo copy --preserve-digests`: manifests only, no blob moves). Null when the index is gone from the
 * registry, no longer holds the platforms, or lost a manifest or blob (deleted, garbage-collected): the caller
 * builds. A tag moved before such a failure points at the index it was meant to get.
 */
export async function reusePushedIndex(
  spec: BuildSpec,
  remembered: RememberedBuild,
  io: ReuseIo,
): Promise<BuildResult | null> {
  let digests: Map<Platform, PushedPlatform>;
  try {
    digests = await io.verify(remembered.indexDigest);
  } catch (error) {
    if (error instanceof ImageNotFound || (error instanceof BuildError && error.reason === 'VERIFY_FAILED'))
      return null;
    throw error;
  }
  const references: string[] = [];
  for (const tag of spec.tags) {
    const reference = `${spec.registry}/${spec.repository}:${tag}`;
    const current = await readTagDigest(reference, { authFile: io.authFile, tls: io.tls, signal: io.signal });
    if (current === remembered.indexDigest) {
      io.onEvent({ type: 'log', platform: null, line: `${reference} already points at ${remembered.indexDigest}` });
    } else {
      const source = `${spec.registry}/${spec.repository}@${remembered.indexDigest}`;
      // Dies with the agent: a killed agent's copy must not move a tag after a retry pushed a newer index.
      const r = await runChild(copyIndexArgv(source, reference, { authFile: io.authFile, tls: io.tls }), {
        signal: io.signal,
        dieWithParent: true,
      });
      if (r.aborted) throw new BuildError('CANCELLED', 'The build was cancelled before the push finished.');
      if (r.code !== 0) {
        if (/manifest unknown|blob unknown/i.test(r.stderr)) return null; // part of the index was garbage-collected: build
        throw registryCommandFailure(r.stderr, `Tagging ${reference}`);
      }
      io.onEvent({ type: 'pushed', reference, digest: remembered.indexDigest });
    }
    references.push(reference);
  }
  io.onEvent({ type: 'verified', digest: remembered.indexDigest, platforms: [...spec.platforms] });
  const platforms = spec.platforms.map((platform) => {
    const was = remembered.platforms.find((p) => p.platform === platform);
    const steps = was?.totalSteps ?? 0;
    const r = {
      platform,
      digest: digests.get(platform)?.digest ?? '',
      sizeBytes: digests.get(platform)?.sizeBytes ?? null,
      emulated: was?.emulated ?? false,
      durationMs: 0,
      cachedSteps: steps,
      totalSteps: steps,
    };
    io.onEvent({ type: 'platform-finished', ...r });
    return r;
  });
  return {
    indexDigest: remembered.indexDigest,
    references,
    platforms,
    durationMs: Date.now() - io.started,
    reused: true,
  };
}

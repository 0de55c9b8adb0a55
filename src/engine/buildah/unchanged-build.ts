import { platformResultOf } from '../../domain/platform-image.js';
import { BuildError } from '../../domain/errors.js';
import { runChild } from '../../process/child.js';
import type {
  BuildEvent,
  BuildResult,
  BuildSpec,
  PlatformImage,
  PlatformResult,
  RegistryAccess,
} from '../../app/ports/engine.js';
import type { Platform } from '../../domain/platform.js';
import { versionArgv } from './argv.js';
import { fingerprintBuild } from './build-fingerprint.js';
import { createBuildMemo, type BuildMemo, type RememberedBuild } from './build-memo.js';
import { buildRecordRepository, fetchBuildRecord, publishBuildRecord, type RecordRepo } from './build-record-sync.js';
import { verifyPushedIndex } from './index-push.js';
import { reusePushedIndex } from './index-reuse.js';
import type { BaseImage } from './preflight.js';
import { tlsFor } from './registry-access.js';

/** What the reuse of an unchanged build works with: the MAX record repository (else null) and the build's own. */
export interface ReuseIo {
  records: RecordRepo | null;
  authFile: string | null;
  buildDir: string;
  signal: AbortSignal;
  onEvent: (e: BuildEvent) => void;
  started: number;
}

/** Where a MAX build keeps its records in the registry (next to the layer cache); null for other modes. */
export function recordRepoFor(
  spec: BuildSpec,
  authFile: string | null,
  signal: AbortSignal,
  access: RegistryAccess,
): RecordRepo | null {
  if (spec.cache.mode !== 'max') return null;
  return {
    repository: buildRecordRepository(spec.registry, spec.repository),
    authFile,
    tls: tlsFor(spec.registry, access),
    signal,
  };
}

/** buildah's version, asked every build (32 ms), so that a buildah upgraded under a running agent is noticed. */
export async function buildahVersion(signal: AbortSignal): Promise<string> {
  const version = await runChild(versionArgv(), { signal });
  if (version.aborted) throw new BuildError('CANCELLED', 'The build was cancelled before it started.');
  if (version.code !== 0)
    throw new BuildError(
      'ENGINE_FAILED',
      `\`buildah --version\` failed: ${version.stderr.trim() || `exit ${version.code}`}`,
    );
  return version.stdout.trim();
}

/**
 * The registry's record of a fingerprint, best effort like the layer cache import: a registry that refuses
 * to read a repository that does not exist yet (Docker Hub says "denied") or answers 429 means "no record".
 */
async function recordFrom(
  records: RecordRepo,
  spec: BuildSpec,
  fingerprint: string,
  say: (m: string) => void,
): Promise<RememberedBuild | undefined> {
  try {
    return await fetchBuildRecord(spec.registry, spec.repository, fingerprint, records);
  } catch (error) {
    if (error instanceof BuildError && error.reason === 'CANCELLED') throw error;
    say(`Layer cache: no build record read from ${records.repository} (${(error as Error).message})`);
    return undefined;
  }
}

/** For MAX: pushes the build's record to the registry; true when it is there now (a failure is a warning). */
function publishRecord(
  build: RememberedBuild,
  records: RecordRepo,
  buildDir: string,
  onEvent: (e: BuildEvent) => void,
): Promise<boolean> {
  const where = records.repository;
  const log = (line: string) => onEvent({ type: 'log', platform: null, line });
  return publishBuildRecord(build, records, buildDir).then(
    () => (log(`Layer cache: build recorded in ${where}`), true),
    (e: unknown) => (log(`Warning: the build could not be recorded in ${where}: ${(e as Error).message}`), false),
  );
}

/** After a reuse, what this agent and the registry know of the build is made whole (each side best effort). */
async function completeRecords(
  memo: BuildMemo,
  key: string,
  remembered: RememberedBuild,
  local: RememberedBuild | undefined,
  o: ReuseIo,
): Promise<void> {
  // Known from the registry's record only: remember it here too, so the next build needs no registry read.
  if (!local) await memo.remember(key, { ...remembered, recorded: true }).catch(() => undefined);
  // Remembered here but not recorded there (built under MIN, or the record's push failed): another agent
  // would build it again, so record it now.
  else if (o.records && !local.recorded && (await publishRecord(local, o.records, o.buildDir, o.onEvent))) {
    await memo.remember(key, { ...local, recorded: true }).catch(() => undefined);
  }
}

/**
 * Unchanged builds: each build with a cache has a fingerprint of all its inputs, and one whose fingerprint is
 * that of a build already pushed to this repository (remembered by this agent under `<dir>/fingerprints/`, or
 * for MAX recorded in the registry) is not built again: its index is verified and tagged.
 */
export function createUnchangedBuilds(dir: string, access: RegistryAccess) {
  const memo = createBuildMemo(dir);

  /** The build's fingerprint (null when it has none) and its result when it was reused. */
  async function reuseIfUnchanged(
    spec: BuildSpec,
    key: string,
    checked: { dockerfileText: string; bases: BaseImage[] },
    o: ReuseIo,
  ): Promise<{ fingerprint: string | null; result: BuildResult | null }> {
    const say = (message: string) => o.onEvent({ type: 'preflight', message });
    if (spec.cache.clear) await memo.forget(key);
    const engineVersion = await buildahVersion(o.signal);
    const fingerprint = await fingerprintBuild(spec, checked.dockerfileText, checked.bases, engineVersion);
    if (fingerprint.value === null) {
      say(`Built step by step (no build fingerprint: ${fingerprint.why})`);
      return { fingerprint: null, result: null };
    }
    if (spec.cache.clear) return { fingerprint: fingerprint.value, result: null };
    const local = await memo.recall(key, fingerprint.value, spec.registry, spec.repository);
    const remembered = local ?? (o.records ? await recordFrom(o.records, spec, fingerprint.value, say) : undefined);
    if (!remembered) return { fingerprint: fingerprint.value, result: null };
    say(
      `Nothing changed since the build of ${remembered.indexDigest} (same Dockerfile, context, build args, secret and base images): reusing it`,
    );
    const result = await reusePushedIndex(spec, remembered, {
      authFile: o.authFile,
      tls: tlsFor(spec.registry, access),
      signal: o.signal,
      onEvent: o.onEvent,
      started: o.started,
      verify: (digest) => verifyPushedIndex(spec, digest, { authFile: o.authFile, signal: o.signal, access }),
    });
    if (!result)
      say(
        `The image index ${remembered.indexDigest} is no longer in ${spec.registry}/${spec.repository}: building it again`,
      );
    else await completeRecords(memo, key, remembered, local, o);
    return { fingerprint: fingerprint.value, result };
  }

  /** Remembers a pushed build by its fingerprint on this agent, and for MAX in the registry. */
  async function remember(
    spec: BuildSpec,
    key: string,
    fingerprint: string,
    indexDigest: string,
    platforms: readonly PlatformResult[],
    o: { records: RecordRepo | null; buildDir: string; onEvent: (e: BuildEvent) => void },
  ): Promise<void> {
    const build = {
      fingerprint,
      registry: spec.registry,
      repository: spec.repository,
      indexDigest,
      platforms: platforms.map((p) => ({ platform: p.platform, emulated: p.emulated, totalSteps: p.totalSteps })),
    };
    const recorded = o.records ? await publishRecord(build, o.records, o.buildDir, o.onEvent) : false;
    await memo.remember(key, { ...build, recorded }).catch(() => undefined); // an optimisation: the next build then goes step by step
  }

  /**
   * The same for one platform of a fanned-out build: its fingerprint (the spec holds only that platform) kept
   * under a key of its own, with the image it pushed by digest; reused while that manifest is in the repository.
   * Agent-local (the MAX record is an index's): a platform that moves to another agent builds again once.
   */
  async function reusePlatformIfUnchanged(
    spec: BuildSpec,
    key: string,
    checked: { dockerfileText: string; bases: BaseImage[] },
    o: ReuseIo & { verify: (digest: string) => Promise<boolean> },
  ): Promise<{ fingerprint: string | null; image: PlatformImage | null }> {
    const platformKey = `${key}#platform`;
    const say = (message: string) => o.onEvent({ type: 'preflight', message });
    if (spec.cache.clear) await memo.forget(platformKey);
    const fingerprint = await fingerprintBuild(
      spec,
      checked.dockerfileText,
      checked.bases,
      await buildahVersion(o.signal),
    );
    if (fingerprint.value === null || spec.cache.clear) return { fingerprint: fingerprint.value, image: null };
    const remembered = await memo.recall(platformKey, fingerprint.value, spec.registry, spec.repository);
    const was = remembered?.image;
    if (!remembered || !was || !(await o.verify(remembered.indexDigest)))
      return { fingerprint: fingerprint.value, image: null };
    const platform = spec.platforms[0] as Platform;
    const steps = remembered.platforms[0]?.totalSteps ?? 0;
    say(`Nothing changed since the build of ${platform} as ${remembered.indexDigest}: reusing it`);
    const image: PlatformImage = {
      platform,
      digest: remembered.indexDigest,
      emulated: remembered.platforms[0]?.emulated ?? false,
      durationMs: 0,
      cachedSteps: steps,
      totalSteps: steps,
      ...was,
    };
    o.onEvent({ type: 'platform-finished', ...platformResultOf(image) });
    return { fingerprint: fingerprint.value, image };
  }

  /** Remembers a platform image pushed by digest by its fingerprint, on this agent. */
  async function rememberPlatform(spec: BuildSpec, key: string, fingerprint: string, image: PlatformImage) {
    const build: RememberedBuild = {
      fingerprint,
      registry: spec.registry,
      repository: spec.repository,
      indexDigest: image.digest,
      platforms: [{ platform: image.platform, emulated: image.emulated, totalSteps: image.totalSteps }],
      image: { mediaType: image.mediaType, manifestSize: image.manifestSize, sizeBytes: image.sizeBytes },
    };
    await memo.remember(`${key}#platform`, build).catch(() => undefined);
  }

  return { reuseIfUnchanged, remember, reusePlatformIfUnchanged, rememberPlatform };
}

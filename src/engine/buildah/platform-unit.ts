import { machine } from 'node:os';
import { platformOfMachine } from '../../domain/agent-platforms.js';
import { BuildError } from '../../domain/errors.js';
import { platformParts, type Platform } from '../../domain/platform.js';
import { runChild } from '../../process/child.js';
import { buildArgv, fixPlatformArgv, imagePlatformArgv, type PlatformBuild, type StoreDirs } from './argv.js';
import { buildFailure, type FailureContext } from './failure.js';
import { isCacheHit, isNoise, lastErrorLine, parseStepLine } from './output.js';
import type { BuildEvent } from '../../app/ports/engine.js';
import type { ImageStore } from './image-store.js';
import { exportLayerCache, importLayerCache, type CacheRepo } from './layer-cache-sync.js';

export interface UnitResult {
  platform: Platform;
  store: ImageStore;
  image: string;
  emulated: boolean;
  durationMs: number;
  cachedSteps: number;
  totalSteps: number;
}

/** The platform this machine runs natively (`uname -m`); null for a machine Archway builds for none of. */
export function hostPlatform(): Platform | null {
  return platformOfMachine(machine());
}

/** Other platforms than the host's run under QEMU user emulation. */
export function isEmulated(platform: Platform): boolean {
  return platform !== hostPlatform();
}

/**
 * One build unit: `buildah build` for one platform, its own process (clean per-platform logs and exit codes;
 * measured 12.7 s for 4 units 2 at a time vs 10.3 s for one process with `--jobs 2`, engine-notes section 8).
 * Resolves with the local image; rejects with BuildError (CANCELLED when `signal` aborted).
 */
export async function runPlatformUnit(
  b: PlatformBuild & {
    store: ImageStore;
    cacheRepo: Omit<CacheRepo, 'env' | 'signal'> | null;
    /** Work before the build (its pinned stages), which may give it another Dockerfile. */
    prepare: ((say: (line: string) => void) => Promise<string>) | null;
  },
  o: { env: NodeJS.ProcessEnv; signal: AbortSignal; onEvent: (e: BuildEvent) => void },
): Promise<UnitResult> {
  const started = Date.now();
  const emulated = isEmulated(b.platform);
  o.onEvent({ type: 'platform-started', platform: b.platform, emulated });
  const ctx: FailureContext = { platform: b.platform, lastStep: null, contextDir: b.contextDir };
  const say = (line: string) => o.onEvent({ type: 'log', platform: b.platform, line });
  const cacheRepo = b.cacheRepo ? { ...b.cacheRepo, env: o.env, signal: o.signal } : null;
  if (cacheRepo) {
    const got = await importLayerCache(b.store, b.platform, cacheRepo);
    say(
      'imported' in got
        ? `Layer cache: ${got.imported} step images pulled from ${cacheRepo.repository}`
        : `Layer cache: nothing pulled from ${cacheRepo.repository} (${got.skipped})`,
    );
  }
  const dockerfile = b.prepare ? await b.prepare(say) : b.dockerfile;
  const committed: string[] = [];
  let hitId = '';
  let cachedSteps = 0;
  let totalSteps = 0;
  let cachedAt = -1;
  const onLine = (line: string) => {
    if (isNoise(line)) return;
    const step = parseStepLine(line);
    if (step) {
      ctx.lastStep = step;
      totalSteps++;
      o.onEvent({
        type: 'step',
        platform: b.platform,
        stage: step.stage === null ? null : String(step.stage),
        step: step.step,
        steps: step.steps,
        instruction: step.instruction,
      });
    } else if (isCacheHit(line)) {
      hitId = line.split(' ').pop() ?? '';
      if (cachedAt !== totalSteps) cachedSteps++;
      cachedAt = totalSteps; // a hit can print two lines for one step
    } else {
      const id = /^--> ([0-9a-f]{11,64})$/.exec(line)?.[1];
      if (id && !hitId.startsWith(id)) committed.push(id);
    }
    o.onEvent({ type: 'log', platform: b.platform, line });
  };
  const result = await runChild(buildArgv({ ...b, dockerfile }), {
    env: o.env,
    signal: o.signal,
    dieWithParent: true,
    onStdout: onLine,
    onStderr: onLine,
  });
  if (result.aborted) throw new BuildError('CANCELLED', `The build for ${b.platform} was stopped.`);
  if (result.code !== 0) throw buildFailure(result.code, lastErrorLine(result.stderr), ctx);
  await ensurePlatformRecorded(b, o);
  if (cacheRepo) {
    // The image is built: a cache that cannot be written costs the next build time, not this one its result.
    await exportLayerCache(b.store, committed, cacheRepo).then(
      (n) => say(`Layer cache: ${n} new step images pushed to ${cacheRepo.repository}`),
      (e: unknown) =>
        say(`Warning: the layer cache could not be pushed to ${cacheRepo.repository}: ${(e as Error).message}`),
    );
  }
  return {
    platform: b.platform,
    store: b.store,
    image: b.image,
    emulated,
    durationMs: Date.now() - started,
    cachedSteps,
    totalSteps,
  };
}

/** Runs a buildah or skopeo step that must work; its last stderr line, after `what`, is the ENGINE_FAILED message. */
export async function must(argv: string[], env: NodeJS.ProcessEnv, what: string): Promise<string> {
  const r = await runChild(argv, { env });
  if (r.code !== 0) throw new BuildError('ENGINE_FAILED', `${what}: ${r.stderr.trim().split('\n').pop() ?? r.code}`);
  return r.stdout.trim();
}

/**
 * buildah 1.28 records linux/arm/v7 in the config of a FROM scratch image built with `--platform linux/arm/v6`
 * (and ignores `--variant`), so the index would name the wrong variant: found by Archway's own index
 * verification. Rewrite the variant when only it disagrees (the commit adds one empty layer); another os or
 * architecture fails the build.
 */
async function ensurePlatformRecorded(
  b: PlatformBuild,
  o: { env: NodeJS.ProcessEnv; onEvent: (e: BuildEvent) => void },
): Promise<void> {
  const { os, arch, variant } = platformParts(b.platform);
  const recorded = (await must(imagePlatformArgv(b.store, b.image), o.env, 'Reading the built image')).split(' ');
  const recordedVariant = recorded[2] ?? '';
  if (
    recorded[0] === os &&
    recorded[1] === arch &&
    (recordedVariant === variant || (arch === 'arm64' && variant === ''))
  )
    return;
  if (recorded[0] !== os || recorded[1] !== arch) {
    // Another architecture means other binaries (the shared-store bug produced exactly that): never relabel it.
    throw new BuildError(
      'VERIFY_FAILED',
      `buildah produced a ${recorded.filter(Boolean).join('/')} image for ${b.platform}; nothing was pushed.`,
    );
  }
  o.onEvent({
    type: 'log',
    platform: b.platform,
    line: `buildah recorded ${recorded.filter(Boolean).join('/')} for a ${b.platform} image; correcting its config.`,
  });
  await relabelImage(b.store, b.image, b.image, b.platform, { env: o.env, what: 'Correcting the image platform' });
}

/**
 * Commits `image` as `name` with `platform` in its config (from, config, commit, rm). `docker` format for an image
 * a later FROM looks up by platform: buildah 1.28 reads no variant from an OCI config.
 */
export async function relabelImage(
  store: StoreDirs,
  image: string,
  name: string,
  platform: Platform,
  o: { env: NodeJS.ProcessEnv; what: string; format?: 'oci' | 'docker' },
): Promise<void> {
  const container = await must(fixPlatformArgv.from(store, image), o.env, o.what);
  try {
    await must(fixPlatformArgv.config(store, container, platformParts(platform)), o.env, o.what);
    await must(fixPlatformArgv.commit(store, container, name, o.format), o.env, o.what);
  } finally {
    await runChild(fixPlatformArgv.rm(store, container), { env: o.env });
  }
}

import type { Platform } from '../../domain/platform.js';
import { runChild } from '../../process/child.js';
import type { BuildEvent, BuildSpec, RegistryAccess } from '../../app/ports/engine.js';
import { rmiArgv, tagArgv } from './argv.js';
import { platformSlug, type ImageStore } from './image-store.js';
import { LAST_BUILD } from './layer-cache-sync.js';
import type { PinnedStagesOfBuild } from './pinned-stage-builds.js';
import { runPlatformUnit, type UnitResult } from './platform-unit.js';
import { tlsFor } from './registry-access.js';

/** Runs `tasks` with at most `limit` at once; the first failure aborts the rest through `abort`. */
async function pool<T>(
  items: readonly Platform[],
  limit: number,
  abort: () => void,
  task: (p: Platform) => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  let failure = null as { error: unknown } | null;
  const worker = async () => {
    while (failure === null && next < items.length) {
      const item = items[next++] as Platform;
      try {
        results.push(await task(item));
      } catch (error) {
        if (failure === null) {
          failure = { error };
          abort();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== null) throw failure.error;
  return results;
}

/** What every unit of one build shares. */
export interface UnitsIo {
  /** The build's id: part of every unit's image name. */
  id: string;
  stores: ReadonlyMap<Platform, ImageStore>;
  env: NodeJS.ProcessEnv;
  certDir: string | null;
  authFile: string | null;
  /** The layer cache is on (a cache key): buildah runs with `--layers`. */
  layers: boolean;
  signal: AbortSignal;
  onEvent: (e: BuildEvent) => void;
  access: RegistryAccess;
  /** Units at once. */
  parallel: number;
  /** The build's pinned stages, built apart (null: none, or the build leaves them to buildah). */
  pinned: PinnedStagesOfBuild | null;
}

/** One platform's unit of the build. */
function unitOf(spec: BuildSpec, platform: Platform, io: UnitsIo): Parameters<typeof runPlatformUnit>[0] {
  return {
    store: io.stores.get(platform) as ImageStore,
    platform,
    contextDir: spec.contextDir,
    dockerfile: spec.dockerfile,
    targetStage: spec.targetStage,
    image: `localhost/archway-${io.id}-${platformSlug(platform)}`,
    buildArgs: spec.buildArgs,
    secret: spec.secret,
    authFile: io.authFile,
    certDir: io.certDir,
    layers: io.layers,
    prepare: io.pinned
      ? (say) => (io.pinned as PinnedStagesOfBuild).dockerfileFor(platform, io.stores.get(platform) as ImageStore, say)
      : null,
    cacheRepo:
      spec.cache.mode === 'max'
        ? {
            repository: `${spec.registry}/${spec.repository}-cache-${platformSlug(platform)}`,
            authFile: io.authFile,
            tls: tlsFor(spec.registry, io.access),
          }
        : null,
  };
}

/**
 * Builds every platform of the spec, at most `io.parallel` units at once; the first failure stops the others.
 * Each unit that finished is added to `finished` as it does (also when another one fails), so that the caller
 * can drop their build images. Resolves with the units in the requested order (not completion order), so an
 * unchanged rebuild has the same index digest.
 */
export async function runBuildUnits(spec: BuildSpec, io: UnitsIo, finished: UnitResult[]): Promise<UnitResult[]> {
  const units = new AbortController();
  const signal = AbortSignal.any([io.signal, units.signal]);
  const built = await pool(
    spec.platforms,
    io.parallel,
    () => units.abort(),
    (platform) =>
      runPlatformUnit(unitOf(spec, platform, io), { env: io.env, signal, onEvent: io.onEvent }).then(
        (unit) => (finished.push(unit), unit),
      ),
  );
  return built.sort((a, b) => spec.platforms.indexOf(a.platform) - spec.platforms.indexOf(b.platform));
}

/**
 * Removes the build's own image names from persistent stores (a private store goes whole right after, so an
 * `rmi` there only cost time: ~0.2 s a platform). `rmi` of an image's last name also deletes its untagged
 * parents — the `--layers` cache of every step (seen: 0 of 5 steps hit after that) — so each platform's result
 * keeps a stable name first, and the build's name is only untagged.
 */
export async function dropBuildImages(built: UnitResult[], env: NodeJS.ProcessEnv): Promise<void> {
  for (const b of built.filter((u) => u.store.persistent)) {
    await runChild(tagArgv(b.store, b.image, LAST_BUILD), { env });
    await runChild(rmiArgv(b.store, [b.image]), { env });
  }
}
